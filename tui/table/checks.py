"""What is wrong with the pending changes, and what the grid and status bar show of them.

The rules of one cell come from the column config (required, type, choices,
pattern, min and max) and are judged by ``check``.  ``CheckedRows`` applies
them as cells change: only changed cells and new rows are checked (loaded
values are the server's business), and a new row's key must be unique among
loaded and new rows.  From those marks and the overlay come each row's and
cell's ``RowState``, the ``Counts`` of the status bar and the key trouble of
the loaded data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from tui.config.model import Column
from tui.table.keys import key_words
from tui.table.rows import Rows
from tui.table.types import coerce, format_value

# ----------------------------------------------------------------- the rules of one cell

_TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date and time (ISO 8601)",
    "json": "valid JSON",
}


def check(column: Column | None, value: object, *, required: bool = False) -> str | None:
    """The first rule this value breaks, in words ("must be at least 0"); None when fine."""
    if value is None or value == "":
        return "required" if required or (column is not None and column.required) else None
    if column is None:
        return None
    typed, problem = _typed(column, value)
    if problem:
        return problem
    return _choice(column, value) or _pattern(column, value) or _range(column, typed)


def _typed(column: Column, value: object) -> tuple[object, str | None]:
    if column.type is None or column.type in ("text", "choice"):
        return value, None
    try:
        return coerce(value, column.type), None
    except (ValueError, TypeError, OverflowError):
        return value, f"must be {_TYPE_WORDS.get(column.type, column.type)}"


def _choice(column: Column, value: object) -> str | None:
    if column.choices and str(value) not in column.choices:
        return "must be one of: " + ", ".join(column.choices)
    return None


def _pattern(column: Column, value: object) -> str | None:
    if column.pattern and not _compiled(column.pattern).fullmatch(_text(value)):
        return f"must match {column.pattern}"
    return None


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _text(value: object) -> str:
    return value if isinstance(value, str) else format_value(value, "text")


def _range(column: Column, value: object) -> str | None:
    # Bounds apply to numbers; booleans are ints to Python but not to people.
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if column.min is not None and value < column.min:
        return f"must be at least {column.min:g}"
    if column.max is not None and value > column.max:
        return f"must be at most {column.max:g}"
    return None


# ----------------------------------------------------------------- what the grid shows


class RowState(StrEnum):
    CLEAN = "clean"
    CHANGED = "changed"
    NEW = "new"
    DELETED = "deleted"
    INVALID = "invalid"


@dataclass(frozen=True)
class Counts:
    changed: int  # loaded rows with changed cells (not deleted)
    changed_values: int
    new: int
    deleted: int
    invalid: int  # cells that break a rule

    def __str__(self) -> str:
        return status_line(self.changed, self.new, self.deleted)


def status_line(changed: int, new: int, deleted: int) -> str:
    """For the status bar: "3 changed, 1 new, 1 deleted", or "no changes"."""
    parts = [
        f"{n} {word}" for n, word in ((changed, "changed"), (new, "new"), (deleted, "deleted")) if n
    ]
    return ", ".join(parts) or "no changes"


# ----------------------------------------------------------------- the rules applied


class CheckedRows(Rows):
    """Rows whose pending changes are checked as they are made; see the module docstring."""

    def __init__(
        self,
        columns: Mapping[str, Column] | Iterable[Column] = (),
        key: Sequence[str] = (),
        *,
        read_only: str | None = None,
    ) -> None:
        super().__init__(columns, key, read_only=read_only)
        self._invalid: dict[int, dict[str, str]] = {}  # row -> column -> what is wrong

    # ----------------------------------------------------------- marking, as cells change

    def _validate(self, row: int, column: str) -> None:
        """Check one cell again after it changed."""
        if row >= 0 and column not in self._overlay.updates.get(row, ()):
            message = None
        else:
            message = check(
                self.config.get(column),
                self.value(row, column),
                required=self._required(row, column),
            )
            if message is None and row < 0 and column in self.key:
                message = self._key_clash(row)
        cells = self._invalid.get(row)
        if message:
            self._invalid.setdefault(row, {})[column] = message
        elif cells is not None and column in cells:
            del cells[column]
            if not cells:
                del self._invalid[row]

    def _validate_new_row(self, row: int) -> None:
        for column in self.columns:
            self._validate(row, column)
        self._revalidate_new_keys()

    def _revalidate_new_keys(self) -> None:
        # Another new row's key can start or stop clashing with this one.
        for other in self._overlay.inserts:
            for column in self.key:
                self._validate(other, column)

    def _required(self, row: int, column: str) -> bool:
        # New rows need their key unless the server assigns it (a read-only key column).
        if row >= 0 or column not in self.key:
            return False
        col = self.config.get(column)
        return not (col is not None and col.read_only)

    def _key_clash(self, row: int) -> str | None:
        key = self.key_of(row)
        if any(v is None for v in key.values()):
            return None
        if self.find(key) is not None:
            return f"a row with key {key_words(key)} exists"
        lookup = self._keys.lookup(key)
        for other in self._overlay.inserts:
            if other != row and self._keys.lookup(self.key_of(other)) == lookup:
                return f"another new row has key {key_words(key)}"
        return None

    # ----------------------------------------------------------- reading the marks

    def cell_error(self, row: int, column: str) -> str | None:
        return self._invalid.get(row, {}).get(column)

    def problems(self) -> list[str]:
        """Every rule broken by a pending change, one line each; empty means ready to write."""
        lines = []
        new = {row: i for i, row in enumerate(self.new_rows())}
        place = {c: i for i, c in enumerate(self.columns)}
        for row in sorted(self._invalid, key=lambda r: (r < 0, new.get(r, r))):
            if row in self._overlay.deletes:
                continue
            cells = self._invalid[row]
            for column in sorted(cells, key=lambda c: place.get(c, len(place))):
                lines.append(f"{self.row_words(row)}, {column}: {cells[column]}")
        return lines

    def state(self, row: int) -> RowState:
        """deleted > invalid > new > changed > clean."""
        ov = self._overlay
        if row in ov.deletes:
            return RowState.DELETED
        if row in self._invalid:
            return RowState.INVALID
        if row < 0:
            if row not in ov.inserts:
                raise KeyError(row)
            return RowState.NEW
        return RowState.CHANGED if row in ov.updates else RowState.CLEAN

    def cell_state(self, row: int, column: str) -> RowState:
        ov = self._overlay
        if row in ov.deletes:
            return RowState.DELETED
        bad = self._invalid.get(row)
        if bad is not None and column in bad:
            return RowState.INVALID
        if row < 0:
            return RowState.NEW
        cells = ov.updates.get(row)
        return RowState.CHANGED if cells is not None and column in cells else RowState.CLEAN

    def counts(self) -> Counts:
        ov = self._overlay
        deletes = ov.deletes
        invalid = sum(len(c) for r, c in self._invalid.items() if r not in deletes)
        return Counts(ov.changed_rows, ov.changed_cells, len(ov.inserts), len(deletes), invalid)

    # ----------------------------------------------------------- rows in trouble

    def row_error(self, row: int) -> str | None:
        """Why the last writeback of this row failed, or why its key is ambiguous."""
        if row in self._errors:
            return self._errors[row]
        if row >= 0 and self._keys.duplicates and self._keys.is_duplicate(self.key_of(row)):
            return f"duplicate key {key_words(self.key_of(row))}"
        return None

    def clear_error(self, row: int) -> None:
        self._errors.pop(row, None)
