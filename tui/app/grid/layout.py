"""Which columns the grid shows, how wide each is and where each starts.

Widths come from a sample of rows (the first and last few hundred in view)
so that a million rows cost the same as a hundred; a column only grows
when later rows or edits need more room, never shrinks by itself.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from tui.app.grid.cells import label, one_line, width_of
from tui.table import Table

GAP = 1  # cells between two columns
AUTO_MIN, AUTO_MAX = 3, 40  # bounds of a measured width
USER_MIN, USER_MAX = 1, 200  # bounds when resized by hand
SAMPLE = 200  # rows measured at each end of the view


def sample_rows(table: Table, start: int = 0) -> list[int]:
    """Row ids of the first and last SAMPLE positions from ``start`` on."""
    count = table.visible_count
    head = table.visible_rows(start, min(start + SAMPLE, count))
    tail_start = max(start + SAMPLE, count - SAMPLE)
    return head + table.visible_rows(tail_start, count)


def measure(table: Table, column: str, rows: Iterable[int]) -> int:
    """Cells needed by the header and these rows, within the automatic bounds."""
    widest = width_of(label(table, column))
    text = table.text
    for row in rows:
        widest = max(widest, width_of(one_line(text(row, column))))
        if widest >= AUTO_MAX:
            break
    return max(AUTO_MIN, min(AUTO_MAX, widest))


class ColumnLayout:
    """Shown columns in order, their widths and virtual x offsets."""

    def __init__(self) -> None:
        self.columns: list[str] = []
        self.hidden: set[str] = set()
        self.widths: dict[str, int] = {}
        self.manual: set[str] = set()  # widths set by the config or by hand: never measured
        self.shown: list[str] = []
        self.starts: list[int] = []
        self.total = 0

    def reset(self, table: Table | None) -> None:
        """Lay out a table's columns: configured widths and hidden columns, the rest measured."""
        self.columns, self.hidden, self.widths, self.manual = [], set(), {}, set()
        if table is not None:
            self.add_columns(table, table.columns)
        self._arrange()

    def add_columns(self, table: Table, columns: Iterable[str]) -> None:
        new = [c for c in columns if c not in self.widths]
        rows = sample_rows(table) if new else []
        for column in new:
            self.columns.append(column)
            config = table.config.get(column)
            if config is not None and config.hidden:
                self.hidden.add(column)
            if config is not None and config.width:
                self.widths[column] = max(USER_MIN, config.width)
                self.manual.add(column)
            else:
                self.widths[column] = measure(table, column, rows)
        self._arrange()

    def sync(self, table: Table) -> None:
        """Pick up columns that appeared in the table (a page with new fields)."""
        if len(table.columns) != len(self.columns):
            self.add_columns(table, table.columns)

    def grow(self, table: Table, rows: Iterable[int]) -> bool:
        """Widen measured columns that these rows need more room in; True when any grew."""
        rows = list(rows)
        grew = False
        for column in self.columns:
            if column in self.manual:
                continue
            needed = measure(table, column, rows)
            if needed > self.widths[column]:
                self.widths[column] = needed
                grew = True
        if grew:
            self._arrange()
        return grew

    def fit_text(self, column: str, text: str) -> bool:
        """Widen a measured column so an edited value shows; True when it grew."""
        if column in self.manual:
            return False
        needed = min(AUTO_MAX, width_of(one_line(text)))
        if needed <= self.widths.get(column, 0):
            return False
        self.widths[column] = needed
        self._arrange()
        return True

    def resize(self, column: str, delta: int) -> int:
        """Change a column's width by hand; returns the new width."""
        width = max(USER_MIN, min(USER_MAX, self.widths[column] + delta))
        self.widths[column] = width
        self.manual.add(column)
        self._arrange()
        return width

    def hide(self, column: str) -> None:
        self.hidden.add(column)
        self._arrange()

    def show_all(self) -> None:
        self.hidden.clear()
        self._arrange()

    def span(self, index: int) -> tuple[int, int]:
        """Virtual x and width of the shown column at ``index``."""
        return self.starts[index], self.widths[self.shown[index]]

    def first_at(self, x: int) -> int:
        """Index of the first shown column that reaches past ``x``."""
        index = max(0, bisect_right(self.starts, x) - 1)
        if index < len(self.shown) and self.starts[index] + self.widths[self.shown[index]] <= x:
            index += 1  # x is on the gap after that column
        return index

    def index_at(self, x: int) -> int | None:
        """Index of the shown column drawn at virtual ``x``, or None (a gap, or past the end)."""
        index = bisect_right(self.starts, x) - 1
        if index < 0 or x >= self.starts[index] + self.widths[self.shown[index]]:
            return None
        return index

    def _arrange(self) -> None:
        self.shown = [c for c in self.columns if c not in self.hidden]
        self.starts, x = [], 0
        for column in self.shown:
            self.starts.append(x)
            x += self.widths[column] + GAP
        self.total = x
