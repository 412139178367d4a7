"""What the grid's parts share: the table shown, its columns, the cursor and the edit open.

Plain state with no widget: the parts (moves, editing, edits, views) each get
this and the few widgets they draw on, and keep no copy of it.
"""

from __future__ import annotations

from collections.abc import Callable

from tui.app.grid.block import Block
from tui.app.grid.inplace import CellEdit
from tui.app.grid.layout import ColumnLayout
from tui.app.grid.render import gutter_width
from tui.table import Table


class GridModel:
    def __init__(self, *, row_numbers: bool = True) -> None:
        self.table: Table | None = None
        # how rows are reverted, when someone else must see it (the workspace audits
        # held rows); None: the table's own revert
        self.reverter: Callable[[list[int]], int] | None = None
        self.read_only: str | None = None  # why edits are refused now
        self.row_numbers = row_numbers
        self.columns = ColumnLayout()
        self.edit: CellEdit | None = None  # a cell being edited in place
        self.pos = 0  # cursor: view position
        self.col = 0  # cursor: index into the shown columns
        self.row_id: int | None = None  # the row under the cursor, to find it again
        self.anchor: tuple[int, int] | None = None  # the other corner of a selection
        self.count = 0  # rows in view at the last resync
        self.search_text = ""

    @property
    def selection(self) -> Block | None:
        """The selected block (anchor to cursor), or None."""
        if self.anchor is None:
            return None
        return Block.between(self.anchor, (self.pos, self.col))

    @property
    def cursor_row(self) -> int | None:
        """The Table row id under the cursor."""
        table = self.table
        if table is None or not table.visible_count:
            return None
        return table.row_at(min(self.pos, table.visible_count - 1))

    @property
    def cursor_column(self) -> str | None:
        if self.table is None or not self.columns.shown:
            return None
        return self.columns.shown[self.col]

    def cursor_text(self, row: int | None, column: str | None) -> str:
        """A cell in full, then why it is invalid or why its row failed to write."""
        table = self.table
        if table is None or row is None or column is None:
            return ""
        problems = [p for p in (table.cell_error(row, column), table.row_error(row)) if p]
        return " — ".join([table.text(row, column), *problems])

    def gutter(self) -> int:
        """Cells of the row numbers (and state marks) left of the columns."""
        return gutter_width(self.count) if self.row_numbers else 0

    def target_rows(self) -> list[int]:
        """The selected rows, or the cursor's row."""
        table, block = self.table, self.selection
        if table is None or not table.visible_count:
            return []
        if block is None:
            return [table.row_at(self.pos)]
        return table.visible_rows(block.top, block.bottom + 1)

    def step_label(self, fallback: str) -> str:
        """What the last undo step is called, for TableEdited."""
        table = self.table
        label = table.history.undo_label if table is not None else None
        return label or fallback
