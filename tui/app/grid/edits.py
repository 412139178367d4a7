"""Changing rows and blocks from the grid: add, delete, revert, undo, fill down, copy, paste.

Every change goes through the Table, which checks it; a refusal comes back
as ``Grid.Refused`` and every change made as ``Grid.TableEdited``.
"""

from __future__ import annotations

from collections.abc import Callable

from tui.app.grid.clipboard import from_tsv, to_tsv
from tui.app.grid.model import GridModel
from tui.app.grid.moves import Moves
from tui.app.grid.viewjob import ViewJobs
from tui.app.ui import Notify
from tui.table import EditRefused, RowState, Table


class Edits:
    """Row and block changes, and the checks every change of the grid goes through."""

    def __init__(
        self,
        model: GridModel,
        moves: Moves,
        jobs: ViewJobs,
        *,
        refuse: Callable[[str], None],
        edited: Callable[[str], None],
        copy: Callable[[str], None],
        pasted: Callable[[], str],
        notify: Notify,
    ) -> None:
        self.model = model
        self.moves = moves
        self.jobs = jobs
        self.refuse = refuse  # say why an edit was not made
        self.edited = edited  # tell the app the change set changed, with the step's label
        self.copy_text = copy  # to the clipboard
        self.pasted = pasted  # what was last copied in the app
        self.notify = notify

    def writable(self) -> Table | None:
        """The table when the grid may change it; otherwise says why and returns None."""
        m = self.model
        if m.table is None:
            return None
        if m.read_only:
            self.refuse(m.read_only)
            return None
        if self.jobs.running:  # its result must fit the rows it was computed from
            self.refuse("wait for the sort, filter or search under way, or esc")
            return None
        return m.table

    def changed(self, label: str, *, rows: bool = False) -> None:
        """Repaint after a change (``rows``: rows came, went or moved) and tell the app."""
        if rows:
            self.moves.rows_changed()
        else:
            self.moves.body.refresh_position(self.model.pos)
        self.edited(label)

    def apply(self, column: str, edit: Callable[[Table], bool]) -> bool:
        """Make one edit on the table; True when it changed something (the app is told)."""
        table = self.writable()
        if table is None:
            return False
        try:
            changed = edit(table)
        except EditRefused as refused:
            self.refuse(str(refused))
            return False
        if changed:
            self.changed(self.model.step_label(f"edit {column}"))
        return changed

    # ----------------------------------------------------------- rows

    def add_row(self) -> None:
        table = self.writable()
        if table is None:
            return
        try:
            row = table.add_row()
        except EditRefused as refused:
            self.refuse(str(refused))
            return
        self.moves.sync_size()
        position = table.position_of(row)
        if position is not None:
            shown = self.model.columns.shown
            editable = [i for i, c in enumerate(shown) if not table.editable(row, c)]
            self.moves.move_to(position, editable[0] if editable else self.model.col)
        self.changed(self.model.step_label("add row"), rows=True)

    def delete_rows(self) -> None:
        """Delete the selected rows, or undelete them when all are deleted already."""
        table = self.writable()
        rows = self.model.target_rows()
        if table is None or not rows:
            return
        try:
            if all(table.state(r) is RowState.DELETED for r in rows):
                done = table.undelete_rows(rows)
            else:
                done = table.delete_rows(rows)
        except EditRefused as refused:
            self.refuse(str(refused))
            return
        if done:
            self.changed(self.model.step_label("delete"), rows=True)

    def revert(self) -> None:
        """Throw away the pending changes of the selected rows (one undo step)."""
        table = self.writable()
        rows = self.model.target_rows()
        if table is None or not rows:
            return
        if (self.model.reverter or table.revert_rows)(rows):
            self.changed(self.model.step_label("revert"), rows=True)

    # ----------------------------------------------------------- history

    def history(self, word: str) -> None:
        """``word`` is "undo" or "redo"."""
        table = self.writable()
        if table is None:
            return
        step = table.undo() if word == "undo" else table.redo()
        if step is None:
            self.refuse(f"nothing to {word}")
            return
        self.moves.sync_size()
        self._go_to_step(step.rows, getattr(step.operations[0], "column", None))
        self.changed(f"{word} {step.label}", rows=True)

    def _go_to_step(self, rows: list[int], column: str | None) -> None:
        """Show where an undone or redone step happened."""
        m = self.model
        table = m.table
        if table is None or not rows or not table.visible_count:
            return
        position = table.position_of(rows[0])
        shown = m.columns.shown
        index = shown.index(column) if column in shown else m.col
        if position is not None:
            self.moves.move_to(position, index)

    # ----------------------------------------------------------- blocks

    def fill_down(self) -> None:
        """The top row of the selection into the rows below it; without one, the cell above."""
        m = self.model
        table = self.writable()
        if table is None or not table.visible_count:
            return
        area = self._fill_area(table)
        if area is None:
            self.refuse("nothing above to fill down from")
            return
        rows, columns = area
        cells = (len(rows) - 1) * len(columns)

        def filled() -> None:
            if table.last_step_changed:
                self.changed(m.step_label("fill down"), rows=True)

        try:
            self.jobs.run_steps(
                f"filling down {cells:,} cells",
                table.filling_down(rows, columns, every=1000),  # a slice: a few milliseconds
                cells,
                filled,
            )
        except EditRefused as refused:
            self.refuse(str(refused))

    def _fill_area(self, table: Table) -> tuple[list[int], list[str]] | None:
        """The rows (the first is copied down) and columns a fill down covers, or None."""
        m = self.model
        block = m.selection
        if block is not None and block.height > 1:
            columns = m.columns.shown[block.left : block.right + 1]
            return table.visible_rows(block.top, block.bottom + 1), columns
        if m.pos > 0:
            return table.visible_rows(m.pos - 1, m.pos + 1), [m.columns.shown[m.col]]
        return None

    def copy(self) -> None:
        """The selection (or the cursor cell) as TSV to the clipboard, through the terminal."""
        m = self.model
        table = m.table
        if table is None or not table.visible_count:
            return
        top, bottom, left, right = m.selection or (m.pos, m.pos, m.col, m.col)
        columns = m.columns.shown[left : right + 1]
        rows = table.visible_rows(top, bottom + 1)
        self.copy_text(to_tsv([[table.text(r, c) for c in columns] for r in rows]))
        cells = len(rows) * len(columns)
        self.notify(f"copied {cells} cell{'s' if cells != 1 else ''}", timeout=2)

    def paste(self) -> None:
        """Paste what was last copied in the app."""
        text = self.pasted()
        if not text:
            self.refuse("nothing copied yet")
            return
        self.paste_text(text)

    def paste_text(self, text: str) -> None:
        """TSV text into the cells from the cursor on; one value fills the selection."""
        m = self.model
        table = self.writable()
        if table is None or not table.visible_count:
            return
        block, cells = m.selection, from_tsv(text)
        shown = m.columns.shown
        if block is not None and len(cells) == 1 and len(cells[0]) == 1:
            rows = table.visible_rows(block.top, block.bottom + 1)
            columns = shown[block.left : block.right + 1]
            cells = [cells[0] * len(columns) for _ in rows]
        else:
            rows = table.visible_rows(m.pos, m.pos + len(cells))
            columns = shown[m.col : m.col + max(map(len, cells))]
        try:
            done = table.paste(rows, columns, cells, parse=True)
        except EditRefused as refused:
            self.refuse(str(refused))
            return
        if done:
            m.columns.grow(table, rows[:200])
            self.changed(m.step_label("paste"), rows=True)
