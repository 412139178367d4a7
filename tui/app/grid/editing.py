"""Editing the cursor cell: a text line drawn in place, a boolean toggle, or a list of choices.

The editor chosen by the column type: booleans flip with no editor, a column
with choices opens a list, everything else (text, numbers, dates, JSON) is
edited as text and read by the Table with ``edit_text``; text that does not
parse is kept and the cell marked invalid, with the reason in CursorMoved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events

from tui.app.grid.choices import Cancelled, Committed
from tui.app.grid.inplace import MIN_BOX, CellEdit, LineBuffer
from tui.table import EditRefused, Table

if TYPE_CHECKING:
    from tui.app.grid.widget import Grid

_TRUE = frozenset({"true", "yes", "y", "1", "on"})
CHOICES_SHOWN = 10
# Keys that finish an edit, and where the cursor goes after it: (rows, columns).
_FINISH = {"enter": (0, 0), "tab": (0, 1), "shift+tab": (0, -1), "up": (-1, 0), "down": (1, 0)}


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


class GridEditing:
    """Cell editing of the Grid (a mixin: ``self`` is the Grid)."""

    def action_edit(self: Grid) -> None:
        table = self._writable()
        row, column = self.cursor_row, self.cursor_column
        if table is None or row is None or column is None:
            return
        reason = table.editable(row, column)
        if reason:
            self._refuse(reason)
            return
        kind = table.column_type(column)
        config = table.config.get(column)
        if kind == "boolean":
            self._edit_value(row, column, not _truthy(table.value(row, column)))
        elif config is not None and config.choices:
            self._open_choices(row, column, list(config.choices), table.text(row, column))
        else:
            room = max(1, self._body.page_width - self._gutter())
            width = min(max(self._columns.widths[column], MIN_BOX), room)
            self._edit = CellEdit(row, column, kind, width, LineBuffer(table.text(row, column)))
            self._body.refresh_position(self._pos)
            self.refresh_bindings()

    @property
    def cell_edit(self: Grid) -> CellEdit | None:
        """The edit in progress in the cursor cell, if any."""
        return self._edit

    def on_key(self: Grid, event: events.Key) -> None:
        """While a cell is edited every key goes to it (the grid's keys wait)."""
        edit = self._edit
        if edit is None:
            return
        if event.key == "escape":
            self._finish_edit(commit=False)
        elif event.key in _FINISH:
            rows, columns = _FINISH[event.key]
            self._finish_edit(commit=True)
            if rows or columns:
                self.move_to(self._pos + rows, self._col + columns)
        elif edit.key(event.key, event.character):
            self._refresh_edit()
        else:
            # Any other key commits and then does what it does (page down, write back...).
            self._finish_edit(commit=True)
            return
        event.stop()
        event.prevent_default()

    def _edit_paste(self: Grid, text: str) -> None:
        if self._edit is not None:
            self._edit.buffer.insert(text)
            self._refresh_edit()

    def _refresh_edit(self: Grid) -> None:
        """Repaint the edit box only (it may reach over the cells to its right)."""
        edit = self._edit
        if edit is not None:
            x = self._cell_span(self._col)[0]
            x = max(self._gutter(), min(x, self._body.page_width - edit.width))
            self._body.refresh_spans(self._pos, [(x, edit.width)])

    def _finish_edit(self: Grid, *, commit: bool) -> None:
        edit, self._edit = self._edit, None
        if edit is None:
            return
        self._body.refresh_position(self._pos)
        self.refresh_bindings()
        if commit:
            self._edit_text(edit.row, edit.column, edit.buffer.text)

    def _open_choices(self: Grid, row: int, column: str, choices: list[str], current: str) -> None:
        x = self._cell_span(self._col)[0]
        y = 1 + self._pos - round(self._body.scroll_y)
        height = min(len(choices), CHOICES_SHOWN) + 2
        below = y + 1 + height <= self._body.size.height
        self._choices.open(row, column, choices, current, (x, y + 1 if below else y - height))
        self.refresh_bindings()

    def on_grid_editor_committed(self: Grid, message: Committed) -> None:
        message.stop()
        self._close_editors()
        self._edit_text(message.row, message.column, message.text)

    def on_grid_editor_cancelled(self: Grid, message: Cancelled) -> None:
        message.stop()
        self._close_editors()

    def _edit_text(self: Grid, row: int, column: str, text: str) -> None:
        """A value typed in: read by the column's type (the Table marks what does not parse)."""
        edited = self._apply_edit(column, lambda table: table.edit_text(row, column, text))
        if edited and self._columns.fit_text(column, text):
            self._sync_size()
            self._body.refresh()

    def _edit_value(self: Grid, row: int, column: str, value: object) -> None:
        self._apply_edit(column, lambda table: table.edit(row, column, value))

    def _apply_edit(self: Grid, column: str, edit: Callable[[Table], bool]) -> bool:
        """Make one edit on the table; True when it changed something (the app is told)."""
        table = self._writable()
        if table is None:
            return False
        try:
            changed = edit(table)
        except EditRefused as refused:
            self._refuse(str(refused))
            return False
        if changed:
            self._changed(self._step_label(f"edit {column}"))
        return changed
