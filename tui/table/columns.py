"""How one column of loaded values is held: the smallest representation that keeps them exact.

Each column picks the smallest representation that keeps every value exactly
as it arrived, and changes representation (once, O(rows)) when a value that
does not fit shows up:

- integers: ``array('q')`` (8 bytes a row) with a lazily created null mask;
- numbers: ``array('d')``; integers mixed in are marked so they come back as
  ``int`` (JSON ``1`` and ``1.0`` are different values to a server);
- booleans: one byte a row (0, 1, or 2 for null);
- text with few distinct values (status, city, dates): dictionary encoded,
  one code a row in the narrowest array that holds them;
- text with many distinct values (names, e-mails): UTF-8 packed into one
  ``bytearray`` with an end offset per row; a read decodes one slice;
- anything else (mixed types, nested JSON): a plain list.

Why not a list of Python objects per column: see ``tui.table.store``.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from itertools import accumulate, compress
from typing import Any, Protocol, cast

from tui.table.order import SLICE, in_slices

_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
# Integers beyond this lose precision as doubles, so they may not join a number column.
_EXACT_FLOAT_INT = 2**53
# A distinct value costs about 100 bytes in a dictionary (the str, its dict and
# list slots); a packed row costs 8 bytes of offset plus its text.  So a text
# column stays dictionary encoded while its distinct values are few: under this
# many, or under a twelfth of its rows.
_DICT_LIMIT = 4096
_NONE = type(None)


class StoredColumn(Protocol):
    """One column of loaded values."""

    def __len__(self) -> int: ...
    def get(self, i: int) -> object: ...
    def extend(self, values: list[object]) -> StoredColumn: ...
    def set(self, i: int, value: object) -> StoredColumn: ...
    def values(self) -> list[object]: ...
    def nbytes(self) -> int: ...


def _rebuild(values: list[object]) -> StoredColumn:
    """The best column for these values; used when a column must change representation."""
    kinds = set(map(type, values)) - {_NONE}
    col: StoredColumn
    if not kinds:
        col = NullColumn(0)
    elif kinds == {bool}:
        col = BoolColumn()
    elif kinds == {int} and _ints_fit(values, _INT_MIN, _INT_MAX):
        col = IntColumn()
    elif kinds <= {int, float} and _ints_fit(values, -_EXACT_FLOAT_INT, _EXACT_FLOAT_INT):
        col = FloatColumn()
    elif kinds == {str}:
        col = DictTextColumn() if _few(len(set(values)), len(values)) else PackedTextColumn()
    else:
        col = ObjectColumn()
    return col.extend(values)


def _few(distinct: int, rows: int) -> bool:
    return distinct <= _DICT_LIMIT or 12 * distinct <= rows


def _ints_fit(values: Iterable[object], low: int, high: int) -> bool:
    return all(low <= v <= high for v in values if type(v) is int)


def _null_mask(values: list[object]) -> bytes:
    return bytes([v is None for v in values])


class NullColumn:
    """A column that has only nulls so far (e.g. it appeared in a later page)."""

    __slots__ = ("n",)

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def get(self, i: int) -> object:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return None

    def extend(self, values: list[object]) -> StoredColumn:
        if all(v is None for v in values):
            self.n += len(values)
            return self
        return _rebuild([None] * self.n + values)

    def set(self, i: int, value: object) -> StoredColumn:
        return self if value is None else _set_by_rebuild(self, i, value)

    def values(self) -> list[object]:
        return [None] * self.n

    def nbytes(self) -> int:
        return 0


def _set_by_rebuild(col: StoredColumn, i: int, value: object) -> StoredColumn:
    values = col.values()
    values[i] = value
    return _rebuild(values)


class _MaskedArray:
    """Shared part of the fixed-width numeric columns: data plus an optional null mask."""

    __slots__ = ("data", "nulls")
    typecode = "q"

    def __init__(self) -> None:
        self.data: array[Any] = array(self.typecode)  # int or float, as the typecode says
        self.nulls: bytearray | None = None

    def __len__(self) -> int:
        return len(self.data)

    def _append_masked(self, values: list[object], fill: object) -> None:
        if None in values:
            if self.nulls is None:
                self.nulls = bytearray(len(self.data))
            self.nulls += _null_mask(values)
            values = [fill if v is None else v for v in values]
        elif self.nulls is not None:
            self.nulls += bytes(len(values))
        self.data.extend(values)

    def _mark_null(self, i: int, null: bool) -> None:
        if null and self.nulls is None:
            self.nulls = bytearray(len(self.data))
        if self.nulls is not None:
            self.nulls[i] = null

    def _with_nulls(self, values: list[object]) -> list[object]:
        if self.nulls is None or not any(self.nulls):
            return values
        return [None if n else v for v, n in zip(values, self.nulls, strict=True)]

    def nbytes(self) -> int:
        return self.data.itemsize * len(self.data) + len(self.nulls or b"")


class IntColumn(_MaskedArray):
    __slots__ = ()
    typecode = "q"

    def get(self, i: int) -> object:
        if self.nulls is not None and self.nulls[i]:
            return None
        return self.data[i]

    def extend(self, values: list[object]) -> StoredColumn:
        if not set(map(type, values)) <= {int, _NONE}:
            return _rebuild(self.values() + values)
        try:
            self._append_masked(values, 0)
        except OverflowError:
            return _rebuild(self.values() + values)
        return self

    def set(self, i: int, value: object) -> StoredColumn:
        if value is None or (type(value) is int and _INT_MIN <= value <= _INT_MAX):
            self.data[i] = 0 if value is None else value
            self._mark_null(i, value is None)
            return self
        return _set_by_rebuild(self, i, value)

    def values(self) -> list[object]:
        return self._with_nulls(in_slices(array.tolist, self.data))


class FloatColumn(_MaskedArray):
    """Doubles; ``ints`` marks rows whose value arrived as an integer."""

    __slots__ = ("ints",)
    typecode = "d"

    def __init__(self) -> None:
        super().__init__()
        self.ints: bytearray | None = None

    def get(self, i: int) -> object:
        if self.nulls is not None and self.nulls[i]:
            return None
        if self.ints is not None and self.ints[i]:
            return int(self.data[i])
        return self.data[i]

    def extend(self, values: list[object]) -> StoredColumn:
        kinds = set(map(type, values))
        if not kinds <= {int, float, _NONE} or not _ints_fit(
            values, -_EXACT_FLOAT_INT, _EXACT_FLOAT_INT
        ):
            return _rebuild(self.values() + values)
        if int in kinds:
            if self.ints is None:
                self.ints = bytearray(len(self.data))
            self.ints += bytes([type(v) is int for v in values])
        elif self.ints is not None:
            self.ints += bytes(len(values))
        self._append_masked(values, 0.0)
        return self

    def set(self, i: int, value: object) -> StoredColumn:
        if value is None or type(value) is float:
            is_int = False
        elif type(value) is int and abs(value) <= _EXACT_FLOAT_INT:
            is_int = True
        else:
            return _set_by_rebuild(self, i, value)
        self.data[i] = 0.0 if value is None else float(value)
        self._mark_null(i, value is None)
        if is_int and self.ints is None:
            self.ints = bytearray(len(self.data))
        if self.ints is not None:
            self.ints[i] = is_int
        return self

    def values(self) -> list[object]:
        values: list[object] = in_slices(array.tolist, self.data)
        if self.ints is not None and any(self.ints):
            floats = cast(list[float], values)
            values = [int(v) if n else v for v, n in zip(floats, self.ints, strict=True)]
        return self._with_nulls(values)

    def nbytes(self) -> int:
        return super().nbytes() + len(self.ints or b"")


class BoolColumn:
    """One byte a row: 0 false, 1 true, 2 null."""

    __slots__ = ("data",)
    _DECODE = (False, True, None)

    def __init__(self) -> None:
        self.data = bytearray()

    def __len__(self) -> int:
        return len(self.data)

    def get(self, i: int) -> object:
        return self._DECODE[self.data[i]]

    def extend(self, values: list[object]) -> StoredColumn:
        if not set(map(type, values)) <= {bool, _NONE}:
            return _rebuild(self.values() + values)
        flags = cast(list[bool | None], values)  # as checked just above
        self.data += bytes([2 if v is None else v for v in flags])
        return self

    def set(self, i: int, value: object) -> StoredColumn:
        if value is None or type(value) is bool:
            self.data[i] = 2 if value is None else value
            return self
        return _set_by_rebuild(self, i, value)

    def values(self) -> list[object]:
        return in_slices(lambda part: map(self._DECODE.__getitem__, part), self.data)

    def nbytes(self) -> int:
        return len(self.data)


class DictTextColumn:
    """Text with few distinct values: a code per row into a list of values."""

    __slots__ = ("codes", "distinct", "index")

    def __init__(self) -> None:
        self.codes = array("B")
        self.distinct: list[object] = []
        self.index: dict[object, int] = {}

    def __len__(self) -> int:
        return len(self.codes)

    def get(self, i: int) -> object:
        return self.distinct[self.codes[i]]

    def extend(self, values: list[object]) -> StoredColumn:
        if not set(map(type, values)) <= {str, _NONE}:
            return _rebuild(self.values() + values)
        index = self.index
        codes = [index.setdefault(v, len(index)) for v in values]
        self.distinct.extend(list(index)[len(self.distinct) :])
        if not _few(len(self.distinct), len(self) + len(values)):
            return PackedTextColumn().extend(self.values() + values)
        self._widen()
        self.codes.extend(codes)
        return self

    def _widen(self) -> None:
        # Codes stay in the narrowest array type that can hold every code.
        n = len(self.distinct)
        code = "B" if n <= 0x100 else "H" if n <= 0x10000 else "L"
        if code != self.codes.typecode:
            self.codes = array(code, self.codes)

    def set(self, i: int, value: object) -> StoredColumn:
        if value is not None and type(value) is not str:
            return _set_by_rebuild(self, i, value)
        if value not in self.index:
            self.index[value] = len(self.distinct)
            self.distinct.append(value)
            self._widen()
        self.codes[i] = self.index[value]
        return self

    def values(self) -> list[object]:
        return in_slices(lambda part: map(self.distinct.__getitem__, part), self.codes)

    def matches(self, test: Callable[[object], bool]) -> bytearray:
        """Rows whose value passes ``test``, testing each distinct value once."""
        hits = bytes([bool(test(v)) for v in self.distinct])
        out = bytearray()
        for start in range(0, len(self.codes), SLICE):  # short C calls: see order.SLICE
            out += bytes(map(hits.__getitem__, self.codes[start : start + SLICE]))
        return out

    def nbytes(self) -> int:
        return self.codes.itemsize * len(self.codes) + sum(
            len(v) for v in self.distinct if isinstance(v, str)
        )


class PackedTextColumn:
    """Text with many distinct values, UTF-8 packed; ``ends[i]`` is where row i ends."""

    __slots__ = ("buf", "ends", "nulls", "patched")

    def __init__(self) -> None:
        self.buf = bytearray()
        self.ends = array("q")
        self.nulls: bytearray | None = None
        # Values written back into the loaded state; they rarely fit the old slot.
        self.patched: dict[int, object] = {}

    def __len__(self) -> int:
        return len(self.ends)

    def get(self, i: int) -> object:
        if self.patched and i in self.patched:
            return self.patched[i]
        if self.nulls is not None and self.nulls[i]:
            return None
        end = self.ends[i]
        start = self.ends[i - 1] if i else 0
        return self.buf[start:end].decode("utf-8", "surrogatepass")

    def extend(self, values: list[object]) -> StoredColumn:
        if not set(map(type, values)) <= {str, _NONE}:
            return _rebuild(self.values() + values)
        if None in values:
            if self.nulls is None:
                self.nulls = bytearray(len(self.ends))
            self.nulls += _null_mask(values)
        elif self.nulls is not None:
            self.nulls += bytes(len(values))
        encoded = [
            v.encode("utf-8", "surrogatepass") if isinstance(v, str) else b"" for v in values
        ]
        ends = accumulate(map(len, encoded), initial=self.ends[-1] if self.ends else 0)
        next(ends)
        self.ends.extend(ends)
        self.buf += b"".join(encoded)
        return self

    def set(self, i: int, value: object) -> StoredColumn:
        if value is not None and type(value) is not str:
            return _set_by_rebuild(self, i, value)
        if len(self) <= i or i < 0:
            raise IndexError(i)
        self.patched[i] = value
        return self

    def values(self) -> list[object]:
        buf, ends = bytes(self.buf), self.ends
        values: list[object] = [
            buf[ends[i - 1] if i else 0 : ends[i]].decode("utf-8", "surrogatepass")
            for i in range(len(ends))
        ]
        nulls = self.nulls
        if nulls is not None:
            for start in range(0, len(values), SLICE):  # compress scans in C: keep it short
                for i in compress(range(start, start + SLICE), nulls[start : start + SLICE]):
                    values[i] = None
        for i, v in self.patched.items():
            values[i] = v
        return values

    def nbytes(self) -> int:
        return len(self.buf) + 8 * len(self.ends) + len(self.nulls or b"")


class ObjectColumn:
    """The fallback: any values, one list slot a row."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data: list[object] = []

    def __len__(self) -> int:
        return len(self.data)

    def get(self, i: int) -> object:
        return self.data[i]

    def extend(self, values: list[object]) -> StoredColumn:
        self.data.extend(values)
        return self

    def set(self, i: int, value: object) -> StoredColumn:
        self.data[i] = value
        return self

    def values(self) -> list[object]:
        return list(self.data)

    def nbytes(self) -> int:
        return 8 * len(self.data)
