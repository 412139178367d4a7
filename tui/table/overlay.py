"""The pending changes as an overlay on the rows as loaded: inserts, updates, deletes.

Keyed by row id: loaded rows have ids 0, 1, 2, ... (their load index); new
rows have ids -1, -2, ... so they never collide with rows that arrive in later
pages.  Every operation here is O(1) in the number of rows.
"""

from __future__ import annotations

import math


def same(a: object, b: object) -> bool:
    """Whether two cell values are the same value (so an edit to it is no change).

    1 and 1.0 are the same number, but True is not 1 and "1" is not 1.
    """
    if a is b:
        return True
    if type(a) is type(b):
        return a == b or (isinstance(a, float) and isinstance(b, float) and _nans(a, b))
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return not isinstance(a, bool) and not isinstance(b, bool) and a == b
    return False


def _nans(a: float, b: float) -> bool:
    return math.isnan(a) and math.isnan(b)


class Overlay:
    """Pending changes by row id; the table keeps it consistent with the store."""

    def __init__(self) -> None:
        self.updates: dict[int, dict[str, object]] = {}
        self.inserts: dict[int, dict[str, object]] = {}  # in display order
        self.deletes: dict[int, None] = {}  # an ordered set
        self.changed_cells = 0
        self.next_new = -1

    def new_id(self) -> int:
        row = self.next_new
        self.next_new -= 1
        return row

    def set_cell(self, row: int, column: str, value: object, loaded: object) -> None:
        """The current value of a loaded row's cell; equal to ``loaded`` means unchanged."""
        cells = self.updates.get(row)
        if same(value, loaded):
            if cells is not None and column in cells:
                del cells[column]
                self.changed_cells -= 1
                if not cells:
                    del self.updates[row]
            return
        if cells is None:
            cells = self.updates[row] = {}
        if column not in cells:
            self.changed_cells += 1
        cells[column] = value

    def add(self, row: int, values: dict[str, object], position: int) -> None:
        """A new row at ``position`` among the new rows."""
        items = list(self.inserts.items())
        items.insert(position, (row, dict(values)))
        self.inserts = dict(items)
        self.next_new = min(self.next_new, row - 1)

    def drop(self, row: int) -> tuple[dict[str, object], int]:
        """Forget a new row; returns its values and where it was."""
        position = list(self.inserts).index(row)
        return self.inserts.pop(row), position

    def forget(self, row: int) -> None:
        """A loaded row leaves the change set entirely (written, or reverted)."""
        self.changed_cells -= len(self.updates.pop(row, {}))
        self.deletes.pop(row, None)

    def clear(self) -> None:
        # New dicts, not cleared ones: a view computed in another thread may hold the old.
        self.updates, self.inserts, self.deletes = {}, {}, {}
        self.changed_cells = 0
        self.next_new = -1

    @property
    def changed_rows(self) -> int:
        """Loaded rows with changed cells that are not also deleted."""
        both = sum(1 for row in self.deletes if row in self.updates)
        return len(self.updates) - both

    def __bool__(self) -> bool:
        return bool(self.updates or self.inserts or self.deletes)
