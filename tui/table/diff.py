"""The difference between the rows as loaded and a desired full table (``push --rows``).

Desired rows are matched to loaded rows by key: a key only in the desired rows
is an insert, a key only in the loaded rows is a delete, and a key in both is
an update of the cells that differ.  CSV gives every value as text, so text is
read by the column's type before comparing ("7" is the integer 7, an empty
cell is null).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from tui.config.reader import printable
from tui.table.changefile import ChangeFileError
from tui.table.changeset import Change
from tui.table.rows import Rows, same
from tui.table.types import parse_text


def diff_rows(
    table: Rows,
    desired: Iterable[Mapping[str, object]],
    first_line: int = 1,
    *,
    lines: Sequence[int] | None = None,
) -> list[Change]:
    """Changes from the loaded rows to ``desired``; raises ChangeFileError for bad rows.

    Messages name ``lines[i]`` for record i where given (files with blank or
    multi-line records), else one line per record from ``first_line``."""
    if not table.key:
        raise ChangeFileError("the destination has no key columns, so rows cannot be matched")
    seen: dict[int, int] = {}  # loaded row -> line
    new_keys: dict[object, int] = {}
    changes: list[Change] = []
    for i, record in enumerate(desired):
        line = lines[i] if lines is not None else first_line + i
        change = _diff_one(table, record, line, seen, new_keys)
        if change is not None:
            changes.append(change)
    changes += _deletes(table, seen)
    return changes


def _diff_one(
    table: Rows,
    record: Mapping[str, object],
    line: int,
    seen: dict[int, int],
    new_keys: dict[object, int],
) -> Change | None:
    unknown = [c for c in record if c not in table.columns]
    if unknown:
        raise ChangeFileError(f"line {line}: unknown column {printable(unknown[0])}")
    plain = [k for k in table.key if isinstance(record.get(k), dict | list)]
    if plain:
        raise ChangeFileError(f"line {line}: key {plain[0]} must be a plain value")
    key = {k: _read(table, k, record.get(k), None) for k in table.key}
    missing = [k for k, v in key.items() if v is None or v == ""]
    if missing:
        raise ChangeFileError(f"line {line}: no value for key {', '.join(missing)}")
    row = table.find(key)
    if row is None:
        return _insert(table, record, key, line, new_keys)
    if row in seen:
        raise ChangeFileError(f"line {line}: the same key as line {seen[row]}")
    seen[row] = line
    return _update(table, record, row, line)


def _update(table: Rows, record: Mapping[str, object], row: int, line: int) -> Change | None:
    """The cells of a loaded row that ``record`` changes, as an update (None: no change)."""
    cells = {}
    for column, raw in record.items():
        loaded = table.loaded_value(row, column)
        value = _read(table, column, raw, loaded)
        if column not in table.key and not same(value, loaded):
            cells[column] = value
    if not cells:
        return None
    was = {c: table.loaded_value(row, c) for c in cells}
    return Change("update", row=row, key=table.key_of(row), set=cells, was=was, line=line)


def _insert(
    table: Rows,
    record: Mapping[str, object],
    key: dict[str, object],
    line: int,
    new_keys: dict[object, int],
) -> Change:
    marker = tuple(sorted((k, repr(v)) for k, v in key.items()))
    if marker in new_keys:
        raise ChangeFileError(f"line {line}: the same key as line {new_keys[marker]}")
    new_keys[marker] = line
    values = {c: _read(table, c, raw, None) for c, raw in record.items()}
    return Change("insert", values={c: v for c, v in values.items() if v is not None}, line=line)


def _deletes(table: Rows, seen: dict[int, int]) -> list[Change]:
    return [
        Change("delete", row=row, key=table.key_of(row))
        for row in table.loaded_rows()
        if row not in seen
    ]


def _read(table: Rows, column: str, raw: object, loaded: object) -> object:
    """A desired value as the loaded data would hold it."""
    if not isinstance(raw, str):
        return raw
    if raw == "":
        return None if loaded is None or not isinstance(loaded, str) else raw
    if isinstance(loaded, str):
        return raw  # loaded as text: compare as text
    return parse_text(raw, table.column_type(column))
