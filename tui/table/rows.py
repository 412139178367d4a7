"""The rows of a table as the grid reads them: loaded values with pending changes over them.

Rows are addressed by row id: loaded rows by their load index (0, 1, ...),
new rows by negative ids (-1, -2, ...) so they never collide with rows that
arrive in later pages.  ``Rows`` holds the store of loaded values, the
``Overlay`` of pending changes and the key index, and keeps them consistent as
rows come and go.  The layers above it (``tui.table.table`` lists them) check,
edit and write back through it.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Iterable, Mapping, Sequence

from tui.config.model import Column
from tui.table import order
from tui.table.keys import KeyIndex, key_words
from tui.table.store import Store
from tui.table.types import format_value, infer_type, parse_text

TYPE_SAMPLE = 200  # loaded values a column's type is inferred from


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
    """Pending changes by row id, each operation O(1) in the number of rows."""

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


class Rows:
    """Rows as loaded plus pending changes, read by row id; see the module docstring."""

    def __init__(
        self,
        columns: Mapping[str, Column] | Iterable[Column] = (),
        key: Sequence[str] = (),
        *,
        read_only: str | None = None,
    ) -> None:
        cols = columns.values() if isinstance(columns, Mapping) else columns
        self.config: dict[str, Column] = {c.name: c for c in cols}
        self.key: tuple[str, ...] = tuple(key)
        self.read_only = read_only  # a reason, e.g. "locked by alice", or None
        self._store = Store([*self.key, *(n for n in self.config if n not in self.key)])
        self._overlay = Overlay()
        self._keys = KeyIndex(self.key)
        self._errors: dict[int, str] = {}  # why the last writeback of a row failed
        self._gone: set[int] = set()
        self._alive: array[int] | None = None  # loaded ids still present, once some are gone
        self._new_order: list[int] | None = None
        self._appends = 0  # versions that only added loaded rows
        self._types: dict[str, str] = {}
        self.version = 0  # bumps on every change: a check can tell nothing changed

    # ----------------------------------------------------------- loading

    def append_page(self, records: Sequence[Mapping[str, object]]) -> range:
        """Add a page of loaded rows; returns their row ids.  Keys are indexed as they arrive."""
        rows = self._store.append(records)
        self._keys.add(records, rows)
        if self._alive is not None:
            self._alive.extend(rows)
        if rows.start < TYPE_SAMPLE:
            self._types.clear()  # inferred from the first rows; they just changed
        self.version += 1
        self._appends += 1
        return rows

    # ----------------------------------------------------------- reading

    @property
    def columns(self) -> list[str]:
        return self._store.columns

    @property
    def loaded_count(self) -> int:
        return self._store.row_count - len(self._gone)

    @property
    def row_count(self) -> int:
        """Rows in the table now: loaded (deleted ones included until written) plus new."""
        return self.loaded_count + len(self._overlay.inserts)

    @property
    def dirty(self) -> bool:
        """Unsaved changes (for the quit guard)."""
        return bool(self._overlay)

    def loaded_rows(self) -> Iterable[int]:
        """Ids of the loaded rows still present, in load order."""
        return self._alive if self._alive is not None else range(self._store.row_count)

    def value(self, row: int, column: str) -> object:
        """The current value: a pending change over the loaded value."""
        if row < 0:
            return self._overlay.inserts[row].get(column)
        cells = self._overlay.updates.get(row)
        if cells is not None and column in cells:
            return cells[column]
        return self._store.get(row, column)

    def loaded_value(self, row: int, column: str) -> object:
        """The value as loaded (None for new rows)."""
        return None if row < 0 else self._store.get(row, column)

    def text(self, row: int, column: str) -> str:
        """The current value as the grid shows it."""
        value = self.value(row, column)
        return "" if value is None else format_value(value, self.column_type(column))

    def record(self, row: int) -> dict[str, object]:
        """The current row: every column."""
        return {c: self.value(row, c) for c in self.columns}

    def loaded_record(self, row: int) -> dict[str, object]:
        return self._store.record(row)

    def key_of(self, row: int) -> dict[str, object]:
        """The row's key values (as loaded; as entered for new rows)."""
        read = self.value if row < 0 else self.loaded_value
        return {k: read(row, k) for k in self.key}

    def find(self, key: Mapping[str, object]) -> int | None:
        """The loaded row with this key, tolerating "7" for 7 where the column is numeric."""
        row = self._keys.get(key)
        if row is None and any(isinstance(key.get(k), str) for k in self.key):
            typed = {k: parse_text(str(key.get(k)), self.column_type(k)) for k in self.key}
            row = self._keys.get(typed)
        return None if row is None or row in self._gone else row

    def exists(self, row: int) -> bool:
        if row < 0:
            return row in self._overlay.inserts
        return row < self._store.row_count and row not in self._gone

    def column_type(self, column: str) -> str:
        """The configured type, else one inferred from the first loaded values."""
        col = self.config.get(column)
        if col is not None and col.type:
            return col.type
        if column not in self._types:
            count = min(self._store.row_count, TYPE_SAMPLE)
            sample = [self._store.get(i, column) for i in range(count)]
            self._types[column] = infer_type([v for v in sample if v is not None])
        return self._types[column]

    def row_words(self, row: int) -> str:
        """How messages name a row: "new row 2", "row id=7", "row 7"."""
        if row < 0:
            new = self.new_rows()
            return f"new row {new.index(row) + 1}" if row in new else f"new row {row}"
        if self.key:
            return f"row {key_words(self.key_of(row))}"
        return f"row {row}"

    def new_rows(self) -> list[int]:
        """Ids of the new rows in display order (cached until new rows come or go)."""
        if self._new_order is None:
            self._new_order = list(self._overlay.inserts)
        return self._new_order

    @property
    def _edits(self) -> int:
        """Changes other than loading, counted: a view computed meanwhile is stale."""
        return self.version - self._appends

    # ----------------------------------------------------------- rows coming and going

    def _add_new(self, row: int, values: dict[str, object], position: int) -> None:
        """A new row at ``position`` among the new rows."""
        self._overlay.add(row, values, position)
        self._new_order = None

    def _drop_new(self, row: int) -> None:
        """A new row goes (deleted, reverted or undone)."""
        del self._overlay.inserts[row]
        self._errors.pop(row, None)
        self._new_order = None

    def _written_new(self, row: int, server: Mapping[str, object]) -> int:
        """A new row was written: it becomes a loaded row (with what the server assigned)."""
        values = {**self._overlay.inserts.pop(row), **server}
        self._new_order = None
        new = self._store.append([values]).start
        self._keys.add([values], range(new, new + 1))
        if self._alive is not None:
            self._alive.append(new)
        return new

    def _forget_loaded(self, row: int) -> None:
        """A loaded row's delete was written: it leaves the table (its id is not reused)."""
        self._keys.remove(self.key_of(row), row)
        if self._alive is None:
            self._alive = order.id_range(self._store.row_count)
        del self._alive[bisect.bisect_left(self._alive, row)]
        self._gone.add(row)

    def _clear_changes(self) -> None:
        """Forget every pending change and writeback error."""
        self._overlay.clear()
        self._errors.clear()
        self._new_order = None
