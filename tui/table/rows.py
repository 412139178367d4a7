"""The rows of a table as the grid reads them: loaded values with pending changes over them.

Rows are addressed by row id: loaded rows by their load index (0, 1, ...),
new rows by negative ids (-1, -2, ...).  ``Rows`` holds what every part of the
table shares (the store, the overlay of pending changes, the key index, the
view) and keeps them consistent as rows come and go; the parts that edit,
undo, validate and write back work through it.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Mapping, Sequence

from tui.config.model import Column
from tui.table import order
from tui.table.keys import KeyIndex, key_words
from tui.table.overlay import Overlay
from tui.table.store import Store
from tui.table.types import format_value, infer_type, parse_text
from tui.table.view import RowView

TYPE_SAMPLE = 200  # loaded values a column's type is inferred from


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
        self.errors: dict[int, str] = {}  # why the last writeback of a row failed
        self._gone: set[int] = set()
        self._alive: array[int] | None = None  # loaded ids still present, once some are gone
        self._new_order: list[int] | None = None
        self._rows = RowView(self)
        self._appends = 0  # versions that only added loaded rows
        self._types: dict[str, str] = {}
        self.version = 0  # bumps on every change, for journals and redraws

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
        self._rows.add_loaded(rows)
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

    # ----------------------------------------------------------- rows coming and going

    def add_new(self, row: int, values: dict[str, object], position: int) -> None:
        """A new row at ``position`` among the new rows."""
        self._overlay.add(row, values, position)
        self._new_order = None
        self._rows.append(row)

    def drop_new(self, row: int) -> None:
        """A new row goes (deleted, reverted or undone)."""
        self._overlay.drop(row)
        self.errors.pop(row, None)
        self._new_order = None
        self._rows.remove(row)

    def written_new(self, row: int, server: Mapping[str, object]) -> int:
        """A new row was written: it becomes a loaded row (with what the server assigned)."""
        values = {**self._overlay.inserts.pop(row), **server}
        self._new_order = None
        new = self._store.append([values]).start
        self._keys.add([values], range(new, new + 1))
        if self._alive is not None:
            self._alive.append(new)
        self._rows.replace(row, new)
        return new

    def forget_loaded(self, row: int) -> None:
        """A loaded row's delete was written: it leaves the table (its id is not reused)."""
        self._keys.remove(self.key_of(row), row)
        if self._alive is None:
            self._alive = order.id_range(self._store.row_count)
        del self._alive[bisect.bisect_left(self._alive, row)]
        self._gone.add(row)
        self._rows.remove(row)

    def clear_changes(self) -> None:
        """Forget every pending change and writeback error."""
        for row in list(self._overlay.inserts):
            self._rows.remove(row)
        self._overlay.clear()
        self.errors.clear()
        self._new_order = None

    # ----------------------------------------------------------- for the table's parts

    @property
    def store(self) -> Store:
        return self._store

    @property
    def overlay(self) -> Overlay:
        return self._overlay

    @property
    def keys(self) -> KeyIndex:
        return self._keys

    @property
    def store_rows(self) -> int:
        """Rows loaded so far, written and gone ones included (the store's row ids)."""
        return self._store.row_count

    @property
    def alive_ids(self) -> array[int] | None:
        return self._alive

    @property
    def gone(self) -> set[int]:
        return self._gone

    @property
    def edits(self) -> int:
        """Changes other than loading, counted: a view computed meanwhile is stale."""
        return self.version - self._appends
