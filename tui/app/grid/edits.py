"""Changing rows and blocks from the grid: add, delete, revert, undo, fill down, copy, paste.

Every change goes through the Table, which checks it; a refusal comes back
as ``Grid.Refused`` and every change made as ``Grid.TableEdited``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from tui.app.grid.clipboard import from_tsv, to_tsv
from tui.app.grid.messages import Refused, TableEdited
from tui.table import EditRefused, State, Table

if TYPE_CHECKING:
    from tui.app.grid.widget import Grid


class GridEdits:
    """Row and block actions of the Grid (a mixin: ``self`` is the Grid)."""

    def _refuse(self: Grid, reason: str) -> None:
        self.post_message(Refused(reason, grid=self))

    def _writable(self: Grid) -> Table | None:
        """The table when the grid may change it; otherwise says why and returns None."""
        if self.table is None:
            return None
        if self.read_only:
            self._refuse(self.read_only)
            return None
        if self._jobs.running:  # its result must fit the rows it was computed from
            self._refuse("wait for the sort, filter or search under way, or esc")
            return None
        return self.table

    def _changed(self: Grid, label: str, *, rows: bool = False) -> None:
        """Repaint after a change (``rows``: rows came, went or moved) and tell the app."""
        if rows:
            self._sync_size()
            self._keep_cursor()
            self._scroll_to_cursor()
            self._body.refresh()
        else:
            self._body.refresh_position(self._pos)
        self.post_message(TableEdited(label, grid=self))
        self._announce()

    def _step_label(self: Grid, fallback: str) -> str:
        table = self.table
        label = table.history.undo_label if table is not None else None
        return label or fallback

    def _target_rows(self: Grid) -> list[int]:
        """The selected rows, or the cursor's row."""
        table, block = self.table, self.selection
        if table is None or not table.visible_count:
            return []
        if block is None:
            return [table.row_at(self._pos)]
        return table.visible_rows(block.top, block.bottom + 1)

    # ----------------------------------------------------------- rows

    def action_add_row(self: Grid) -> None:
        table = self._writable()
        if table is None:
            return
        try:
            row = table.add_row()
        except EditRefused as refused:
            self._refuse(str(refused))
            return
        self._sync_size()
        position = table.position_of(row)
        if position is not None:
            editable = [i for i, c in enumerate(self._columns.shown) if not table.editable(row, c)]
            self.move_to(position, editable[0] if editable else self._col)
        self._changed(self._step_label("add row"), rows=True)

    def action_delete_row(self: Grid) -> None:
        """Delete the selected rows, or undelete them when all are deleted already."""
        table = self._writable()
        rows = self._target_rows()
        if table is None or not rows:
            return
        try:
            if all(table.state(r) is State.DELETED for r in rows):
                done = table.undelete_rows(rows)
            else:
                done = table.delete_rows(rows)
        except EditRefused as refused:
            self._refuse(str(refused))
            return
        if done:
            self._changed(self._step_label("delete"), rows=True)

    def action_revert(self: Grid) -> None:
        """Throw away the pending changes of the selected rows (one undo step)."""
        table = self._writable()
        rows = self._target_rows()
        if table is None or not rows:
            return
        if (self.reverter or table.revert_rows)(rows):
            self._changed(self._step_label("revert"), rows=True)

    # ----------------------------------------------------------- history

    def action_undo(self: Grid) -> None:
        self._history("undo")

    def action_redo(self: Grid) -> None:
        self._history("redo")

    def _history(self: Grid, word: str) -> None:
        table = self._writable()
        if table is None:
            return
        step = table.undo() if word == "undo" else table.redo()
        if step is None:
            self._refuse(f"nothing to {word}")
            return
        self._sync_size()
        self._go_to_step(step.rows, getattr(step.operations[0], "column", None))
        self._changed(f"{word} {step.label}", rows=True)

    def _go_to_step(self: Grid, rows: list[int], column: str | None) -> None:
        """Show where an undone or redone step happened."""
        table = self.table
        if table is None or not rows or not table.visible_count:
            return
        position = table.position_of(rows[0])
        shown = self._columns.shown
        index = shown.index(column) if column in shown else self._col
        if position is not None:
            self.move_to(position, index)

    # ----------------------------------------------------------- blocks

    def action_fill_down(self: Grid) -> None:
        """The top row of the selection into the rows below it; without one, the cell above."""
        table = self._writable()
        if table is None or not table.visible_count:
            return
        block = self.selection
        if block is not None and block.height > 1:
            rows = table.visible_rows(block.top, block.bottom + 1)
            columns = self._columns.shown[block.left : block.right + 1]
        elif self._pos > 0:
            rows = table.visible_rows(self._pos - 1, self._pos + 1)
            columns = [self._columns.shown[self._col]]
        else:
            self._refuse("nothing above to fill down from")
            return
        cells = (len(rows) - 1) * len(columns)

        def filled() -> None:
            if table.last_step_changed:
                self._changed(self._step_label("fill down"), rows=True)

        try:
            self._jobs.run_steps(
                f"filling down {cells:,} cells",
                table.filling_down(rows, columns, every=1000),  # a slice: a few milliseconds
                cells,
                filled,
            )
        except EditRefused as refused:
            self._refuse(str(refused))

    def action_copy(self: Grid) -> None:
        """The selection (or the cursor cell) as TSV to the clipboard, through the terminal."""
        table = self.table
        if table is None or not table.visible_count:
            return
        block = self.selection
        top, bottom, left, right = block or (self._pos, self._pos, self._col, self._col)
        columns = self._columns.shown[left : right + 1]
        rows = table.visible_rows(top, bottom + 1)
        self.app.copy_to_clipboard(to_tsv([[table.text(r, c) for c in columns] for r in rows]))
        cells = len(rows) * len(columns)
        self.notify(f"copied {cells} cell{'s' if cells != 1 else ''}", timeout=2)

    def action_paste(self: Grid) -> None:
        """Paste what was last copied in the app."""
        text = self.app.clipboard
        if not text:
            self._refuse("nothing copied yet")
            return
        self.paste_text(text)

    def on_paste(self: Grid, event: events.Paste) -> None:
        event.stop()
        if self._edit is not None:
            self._edit_paste(event.text)
        elif not self.editing:
            self.paste_text(event.text)

    def paste_text(self: Grid, text: str) -> None:
        """TSV text into the cells from the cursor on; one value fills the selection."""
        table = self._writable()
        if table is None or not table.visible_count:
            return
        block, cells = self.selection, from_tsv(text)
        shown = self._columns.shown
        if block is not None and len(cells) == 1 and len(cells[0]) == 1:
            rows = table.visible_rows(block.top, block.bottom + 1)
            columns = shown[block.left : block.right + 1]
            cells = [cells[0] * len(columns) for _ in rows]
        else:
            rows = table.visible_rows(self._pos, self._pos + len(cells))
            columns = shown[self._col : self._col + max(map(len, cells))]
        try:
            done = table.paste(rows, columns, cells, parse=True)
        except EditRefused as refused:
            self._refuse(str(refused))
            return
        if done:
            self._columns.grow(table, rows[:200])
            self._changed(self._step_label("paste"), rows=True)
