"""Rows as loaded: a compact, append-only columnar store.

Each column is held in the smallest representation that keeps every value
exactly as it arrived (``tui.table.columns``): integers and numbers in arrays,
booleans in a byte a row, repeated text dictionary encoded, other text UTF-8
packed, anything else in a plain list.

Why not a list of Python objects per column: a Python object a cell takes
several times the memory of these columns on a million rows, while a cell read
stays O(1) here (``benchmarks/table.py`` measures both).  Decoding a packed
string on each read is the price; the grid only reads visible cells.

The store is append-only from the loader's point of view; ``set`` exists for
folding written-back values into the loaded state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from tui.table.columns import DictTextColumn, NullColumn, StoredColumn


class Store:
    """Rows as loaded, by row index (0, 1, 2, ... in load order) and column name."""

    def __init__(self, columns: Iterable[str] = ()) -> None:
        self._columns: dict[str, StoredColumn] = {}
        self._rows = 0
        for name in columns:
            self.add_column(name)

    @property
    def row_count(self) -> int:
        return self._rows

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def add_column(self, name: str) -> None:
        """A new, all-null column (rows loaded so far have no value for it)."""
        if name not in self._columns:
            self._columns[name] = NullColumn(self._rows)

    def append(self, records: Sequence[Mapping[str, object]]) -> range:
        """Append a page of flat records; returns the indices of the new rows."""
        names: dict[str, None] = {}
        for record in records:
            names.update(dict.fromkeys(record))
        for name in names:
            self.add_column(name)
        for name, col in self._columns.items():
            values = [r.get(name) for r in records]
            self._columns[name] = col.extend(values)
        start = self._rows
        self._rows += len(records)
        return range(start, self._rows)

    def get(self, row: int, column: str) -> object:
        if row < 0:
            raise IndexError(row)
        return self._columns[column].get(row)

    def set(self, row: int, column: str, value: object) -> None:
        if not 0 <= row < self._rows:
            raise IndexError(row)
        self.add_column(column)
        self._columns[column] = self._columns[column].set(row, value)

    def record(self, row: int) -> dict[str, object]:
        """The whole loaded row, nulls included."""
        return {name: self.get(row, name) for name in self._columns}

    def column_values(self, column: str) -> list[object]:
        """Every loaded value of a column, as a new list (for sorting and filtering)."""
        return self._columns[column].values()

    def matches(self, column: str, test: Callable[[object], bool]) -> bytearray:
        """A byte per row: 1 where ``test(value)`` is true."""
        col = self._columns[column]
        if isinstance(col, DictTextColumn):
            return col.matches(test)
        return bytearray([bool(test(v)) for v in col.values()])

    def column_kind(self, column: str) -> str:
        """The representation in use (for tests and the benchmark)."""
        return type(self._columns[column]).__name__

    def nbytes(self) -> int:
        """Approximate bytes held by the column data (not counting Python overheads)."""
        return sum(col.nbytes() for col in self._columns.values())
