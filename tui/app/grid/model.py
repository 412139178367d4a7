"""What the grid shows and where its cursor is: the table, its columns, the cursor, the
selection block and the edit open.

Plain state with no widget, kept apart from Grid because Textual's Widget has
attributes of these names (``anchor``, ``gutter``, ``layout``); the body and
the grid both read it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from tui.app.grid.inplace import CellEdit
from tui.app.grid.layout import ColumnLayout
from tui.table import Table


class Block(NamedTuple):
    """A rectangle of cells between an anchor and the cursor, in view positions."""

    top: int  # first position (row in view)
    bottom: int  # last position, inclusive
    left: int  # first shown column index
    right: int  # last shown column index, inclusive

    @classmethod
    def between(cls, a: tuple[int, int], b: tuple[int, int]) -> Block:
        """The block spanned by two (position, column index) corners."""
        return cls(min(a[0], b[0]), max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1]))

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1

    def has_row(self, position: int) -> bool:
        return self.top <= position <= self.bottom


def gutter_width(row_count: int) -> int:
    """Row number, state mark, a space."""
    return len(str(max(row_count, 1))) + 2


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

    def gutter(self) -> int:
        """Cells of the row numbers (and state marks) left of the columns."""
        return gutter_width(self.count) if self.row_numbers else 0
