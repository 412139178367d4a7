"""Editing the cursor cell: a text line drawn in place, a boolean toggle, or a list of choices.

The editor chosen by the column type: booleans flip with no editor, a column
with choices opens a list, everything else (text, numbers, dates, JSON) is
edited as text and read by the Table with ``edit_text``; text that does not
parse is kept and the cell marked invalid, with the reason in CursorMoved.
"""

from __future__ import annotations

from collections.abc import Callable

from tui.app.grid.choices import ChoiceEditor
from tui.app.grid.edits import Edits
from tui.app.grid.inplace import MIN_BOX, CellEdit, LineBuffer
from tui.app.grid.model import GridModel
from tui.app.grid.moves import Moves

_TRUE = frozenset({"true", "yes", "y", "1", "on"})
CHOICES_SHOWN = 10
# Keys that finish an edit, and where the cursor goes after it: (rows, columns).
_FINISH = {"enter": (0, 0), "tab": (0, 1), "shift+tab": (0, -1), "up": (-1, 0), "down": (1, 0)}


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


class Editing:
    """The editor of the cursor cell; the change itself is made through ``edits``."""

    def __init__(
        self,
        model: GridModel,
        moves: Moves,
        edits: Edits,
        choices: ChoiceEditor,
        refresh_bindings: Callable[[], None],
    ) -> None:
        self.model = model
        self.moves = moves
        self.body = moves.body
        self.edits = edits
        self.choices = choices
        self.refresh_bindings = refresh_bindings  # the footer: the grid's keys are off meanwhile

    def start(self) -> None:
        """Edit the cursor cell with the editor its column type wants."""
        m = self.model
        table = self.edits.writable()
        row, column = m.cursor_row, m.cursor_column
        if table is None or row is None or column is None:
            return
        reason = table.editable(row, column)
        if reason:
            self.edits.refuse(reason)
            return
        kind = table.column_type(column)
        config = table.config.get(column)
        if kind == "boolean":
            self.edit_value(row, column, not _truthy(table.value(row, column)))
        elif config is not None and config.choices:
            self._open_choices(row, column, list(config.choices), table.text(row, column))
        else:
            room = max(1, self.body.page_width - m.gutter())
            width = min(max(m.columns.widths[column], MIN_BOX), room)
            m.edit = CellEdit(row, column, kind, width, LineBuffer(table.text(row, column)))
            self.body.refresh_position(m.pos)
            self.refresh_bindings()

    def key(self, key: str, character: str | None) -> bool:
        """A key while a cell is edited; True when the editor took it (False: the grid's)."""
        edit = self.model.edit
        if edit is None:
            return False
        if key == "escape":
            self.finish(commit=False)
        elif key in _FINISH:
            rows, columns = _FINISH[key]
            self.finish(commit=True)
            if rows or columns:
                self.moves.by(rows, columns)
        elif edit.key(key, character):
            self._refresh_box()
        else:
            # Any other key commits and then does what it does (page down, write back...).
            self.finish(commit=True)
            return False
        return True

    def paste(self, text: str) -> None:
        if self.model.edit is not None:
            self.model.edit.buffer.insert(text)
            self._refresh_box()

    def _refresh_box(self) -> None:
        """Repaint the edit box only (it may reach over the cells to its right)."""
        m, edit = self.model, self.model.edit
        if edit is not None:
            x = self.moves.cell_span(m.col)[0]
            x = max(m.gutter(), min(x, self.body.page_width - edit.width))
            self.body.refresh_spans(m.pos, [(x, edit.width)])

    def finish(self, *, commit: bool) -> None:
        """Close the cell's edit box, making the edit when ``commit``."""
        m = self.model
        edit, m.edit = m.edit, None
        if edit is None:
            return
        self.body.refresh_position(m.pos)
        self.refresh_bindings()
        if commit:
            self.edit_text(edit.row, edit.column, edit.buffer.text)

    def _open_choices(self, row: int, column: str, choices: list[str], current: str) -> None:
        m = self.model
        x = self.moves.cell_span(m.col)[0]
        y = 1 + m.pos - round(self.body.scroll_y)
        height = min(len(choices), CHOICES_SHOWN) + 2
        below = y + 1 + height <= self.body.size.height
        self.choices.open(row, column, choices, current, (x, y + 1 if below else y - height))
        self.refresh_bindings()

    def edit_text(self, row: int, column: str, text: str) -> None:
        """A value typed in: read by the column's type (the Table marks what does not parse)."""
        edited = self.edits.apply(column, lambda table: table.edit_text(row, column, text))
        if edited and self.model.columns.fit_text(column, text):
            self.moves.sync_size()
            self.body.refresh()

    def edit_value(self, row: int, column: str, value: object) -> None:
        self.edits.apply(column, lambda table: table.edit(row, column, value))
