"""Reading a JSON Lines change file (``writeback push --changes``) into ``Change`` objects.

The format is described in ``tui.table.changeset``.  Every problem is a
``ChangeFileError`` that names the line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

from tui.config.model import Op
from tui.config.reader import printable
from tui.table.changeset import Change, is_op


class ChangeFileError(ValueError):
    """A change file line that cannot be read; the message names the line."""


_Fail = Callable[[str], ChangeFileError]

_FIELDS: dict[Op, tuple[set[str], set[str]]] = {
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

    data = _json_object(text, fail)
    op = data.get("op")
    if not is_op(op):
        raise fail(f'"op" must be "insert", "update" or "delete", not {op!r}')
    _check_fields(data, op, key_columns, fail)
    fields = {name: _object(data, name, fail) for name in ("set", "was", "values") if name in data}
    for name in ("set", "values"):
        if name in fields and not fields[name]:
            raise fail(f'"{name}" is empty')
    key, row = _identity(data, key_columns, fail) if op != "insert" else ({}, None)
    for name in key_columns:
        if name in fields.get("values", {}):
            _plain_key(name, fields["values"][name], fail)
    return Change(
        op,
        row=row,
        key=key,
        line=line,
        set=fields.get("set", {}),
        was=fields.get("was", {}),
        values=fields.get("values", {}),
    )


def _json_object(text: str, fail: _Fail) -> dict[str, object]:
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
    return data


def _check_fields(
    data: dict[str, object], op: Op, key_columns: tuple[str, ...], fail: _Fail
) -> None:
    needed, optional = _FIELDS[op]
    if op != "insert":
        needed = needed | {"key" if key_columns else "row"}
    for name in sorted(needed - data.keys()):
        raise fail(f'{op} needs "{name}"')
    for name in sorted(data.keys() - needed - optional):
        raise fail(f'unknown field "{printable(name)}" in {op}')


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
