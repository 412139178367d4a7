"""The change set: pending inserts, updates (changed cells only) and deletes.

The change set is an overlay on the rows as loaded, keyed by row id: loaded
rows have ids 0, 1, 2, ... (their load index); new rows have ids -1, -2, ...
so they never collide with rows that arrive in later pages.  Every operation
here is O(1) in the number of rows.

It also reads and writes the JSON Lines change file of ``writeback push
--changes``::

    {"op": "update", "key": {"id": 7}, "set": {"qty": 70}, "was": {"qty": 30}}
    {"op": "insert", "values": {"id": 101, "name": "new"}}
    {"op": "delete", "key": {"id": 9}}

Where a destination has no key columns, ``"row": N`` (the load index) takes
the place of ``key``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tui.config.reader import printable

OPS = ("insert", "update", "delete")


def same(a: object, b: object) -> bool:
    """Whether two cell values are the same value (so an edit to it is no change).

    1 and 1.0 are the same number, but True is not 1 and "1" is not 1.
    """
    if a is b:
        return True
    if type(a) is type(b):
        return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))  # type: ignore[arg-type]
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return not isinstance(a, bool) and not isinstance(b, bool) and a == b
    return False


class Overlay:
    """Pending changes by row id; the facade keeps it consistent with the store."""

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
        self.__init__()  # type: ignore[misc]

    @property
    def changed_rows(self) -> int:
        """Loaded rows with changed cells that are not also deleted."""
        both = sum(1 for row in self.deletes if row in self.updates)
        return len(self.updates) - both

    def __bool__(self) -> bool:
        return bool(self.updates or self.inserts or self.deletes)


@dataclass(frozen=True)
class Change:
    """One row's pending change, in the shape of a change file line."""

    op: str
    row: int | None = None
    key: dict[str, object] = field(default_factory=dict)
    set: dict[str, object] = field(default_factory=dict)
    was: dict[str, object] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    line: int | None = None  # where it came from in a change file

    def to_json(self, *, keyed: bool = True) -> dict[str, object]:
        out: dict[str, object] = {"op": self.op}
        if self.op != "insert":
            if keyed:
                out["key"] = self.key
            else:
                out["row"] = self.row
        if self.op == "update":
            out["set"] = self.set
            if self.was:
                out["was"] = self.was
        if self.op == "insert":
            out["values"] = self.values
        return out

    def where(self) -> str:
        """How messages name this change: the file line, else the key or row."""
        if self.line is not None:
            return f"line {self.line}"
        if self.key:
            return "row " + ", ".join(f"{k}={v!r}" for k, v in self.key.items())
        return f"row {self.row}"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


@dataclass(frozen=True)
class ChangeSet:
    """The pending changes at one moment: inserts first, then updates, then deletes."""

    changes: tuple[Change, ...] = ()
    keyed: bool = True

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def of(self, op: str) -> list[Change]:
        return [c for c in self.changes if c.op == op]

    @property
    def inserts(self) -> list[Change]:
        return self.of("insert")

    @property
    def updates(self) -> list[Change]:
        return self.of("update")

    @property
    def deletes(self) -> list[Change]:
        return self.of("delete")

    @property
    def changed_values(self) -> int:
        return sum(len(c.set) for c in self.updates)

    def summary(self) -> str:
        """In words, for a confirmation: "add 2 rows, change 5 values, delete 1 row"."""
        parts = []
        if self.inserts:
            parts.append("add " + _plural(len(self.inserts), "row"))
        if self.updates:
            parts.append("change " + _plural(self.changed_values, "value"))
        if self.deletes:
            parts.append("delete " + _plural(len(self.deletes), "row"))
        return ", ".join(parts) or "no changes"

    def to_jsonl(self) -> str:
        return "".join(
            json.dumps(c.to_json(keyed=self.keyed), default=_plain, ensure_ascii=False) + "\n"
            for c in self.changes
        )


def status_line(changed: int, new: int, deleted: int) -> str:
    """For the status bar: "3 changed, 1 new, 1 deleted", or "no changes"."""
    parts = [
        f"{n} {word}" for n, word in ((changed, "changed"), (new, "new"), (deleted, "deleted")) if n
    ]
    return ", ".join(parts) or "no changes"


def _plain(value: object) -> object:
    # Values coerced by column type (dates, decimals) go to files as their text.
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


class ChangeFileError(ValueError):
    """A change file line that cannot be read; the message names the line."""


_Fail = Callable[[str], ChangeFileError]

_FIELDS = {
    "insert": ({"op", "values"}, set()),
    "update": ({"op", "set"}, {"was"}),
    "delete": ({"op"}, set()),
}


def parse_changes(lines: Iterable[str], key_columns: Sequence[str]) -> list[Change]:
    """Read a JSON Lines change file; raises ChangeFileError naming the first bad line."""
    changes = []
    for number, text in enumerate(lines, start=1):
        if text.strip():
            changes.append(_parse_line(text, number, tuple(key_columns)))
    return changes


def _parse_line(text: str, line: int, key_columns: tuple[str, ...]) -> Change:
    def fail(message: str) -> ChangeFileError:
        return ChangeFileError(f"line {line}: {message}")

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"not JSON ({exc.msg} at column {exc.colno})") from None
    except ValueError:
        raise fail("not JSON (a number with too many digits)") from None
    except RecursionError:
        raise fail("not JSON we read (nested too deeply)") from None
    if not isinstance(data, dict):
        raise fail("expected a JSON object")
    op = data.get("op")
    if op not in OPS:
        raise fail(f'"op" must be "insert", "update" or "delete", not {op!r}')
    needed, optional = _FIELDS[op]
    if op != "insert":
        needed = needed | {"key" if key_columns else "row"}
    for name in sorted(needed - data.keys()):
        raise fail(f'{op} needs "{name}"')
    for name in sorted(data.keys() - needed - optional):
        raise fail(f'unknown field "{printable(name)}" in {op}')
    fields = {name: _object(data, name, fail) for name in ("set", "was", "values") if name in data}
    for name in ("set", "values"):
        if name in fields and not fields[name]:
            raise fail(f'"{name}" is empty')
    key, row = _identity(data, key_columns, fail) if op != "insert" else ({}, None)
    for name in key_columns:
        if name in fields.get("values", {}):
            _plain_key(name, fields["values"][name], fail)
    return Change(op, row=row, key=key, line=line, **fields)  # type: ignore[arg-type]


def _object(data: dict[str, object], name: str, fail: _Fail) -> dict[str, object]:
    value = data[name]
    if not isinstance(value, dict):
        raise fail(f'"{name}" must be an object')
    return value


def _identity(
    data: dict[str, object], key_columns: tuple[str, ...], fail: _Fail
) -> tuple[dict[str, object], int | None]:
    if not key_columns:
        row = data["row"]
        if type(row) is not int or row < 0:
            raise fail('"row" must be a row number (0, 1, ...)')
        return {}, row
    key = _object(data, "key", fail)
    missing = [k for k in key_columns if k not in key]
    if missing:
        raise fail(f"key needs {', '.join(missing)}")
    extra = [k for k in key if k not in key_columns]
    if extra:
        names = ", ".join(map(printable, extra))
        raise fail(f"key has {names}, not a key column (key: {', '.join(key_columns)})")
    for name, value in key.items():
        if value is None:
            raise fail(f"key {name} must be a plain value, not null")
        _plain_key(name, value, fail)
    return key, None


def _plain_key(name: str, value: object, fail: _Fail) -> None:
    # Keys are looked up in a dict: an object or array can be no key.
    if isinstance(value, dict | list):
        raise fail(f"key {name} must be a plain value, not {_clip(json.dumps(value))}")


def _clip(text: str) -> str:
    return text if len(text) <= 60 else text[:59] + "…"


def encode_value(value: object) -> object:
    """A cell value as JSON-able data that ``decode_value`` turns back exactly."""
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, tuple):
        return [encode_value(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    if isinstance(value, dict):
        # A loaded JSON object that happens to look like a tag must stay an object.
        return {"$object": {k: encode_value(v) for k, v in value.items()}}
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    return value


_DECODERS = {
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
    "$decimal": Decimal,
    "$float": float,
}


def decode_value(data: object) -> object:
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    if isinstance(data, dict):
        ((tag, inner),) = data.items()
        if tag == "$object":
            return {k: decode_value(v) for k, v in inner.items()}
        return _DECODERS[tag](inner)
    return data


def encode_cells(cells: dict[str, object]) -> dict[str, object]:
    return {k: encode_value(v) for k, v in cells.items()}


def decode_cells(cells: dict[str, object]) -> dict[str, object]:
    return {k: decode_value(v) for k, v in cells.items()}
