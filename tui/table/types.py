"""Column types: inference from loaded values, coercion, and text for display and files.

One definition of each type, shared by the grid (display and editing), the
validation and the writeback payloads:

  text      str                 as it came
  integer   int                 "12", 12, 12.0; not "007" (a code, not a number)
  number    int | float         "1.5", "1e3", 3
  boolean   bool                true/false (also yes/no, y/n, 1/0 when typed in)
  date      datetime.date       ISO 8601 "2024-01-31"
  datetime  datetime.datetime   ISO 8601 "2024-01-31T12:00:00Z"
  choice    str                 one of the column's choices (checked by validation)
  json      object              parsed JSON (arrays arrive as JSON text from the loader)

A type set on the column in the configuration wins over inference.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable
from itertools import islice
from typing import Any

INFER_SAMPLE = 1000  # values looked at per column: enough to decide, cheap on 1M rows

_INT = re.compile(r"[+-]?(0|[1-9][0-9]*)")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DIGITS = re.compile(r"[+-]?[0-9]+")
_CODE = re.compile(r"[+-]?0[0-9]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_TRUE = frozenset({"true", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "off"})
# From the wire only the unambiguous spellings count as booleans: a column of 0/1 is integers.
_WIRE_BOOL = frozenset({"true", "false"})


def infer_type(values: Iterable[object], sample: int = INFER_SAMPLE) -> str:
    """The narrowest type every non-empty value among the first `sample` fits; text if none."""
    kinds: set[str] = set()
    for value in islice((v for v in values if v is not None and v != ""), sample):
        kinds.add(_kind(value))
        if "text" in kinds:
            return "text"
    if not kinds:
        return "text"
    if len(kinds) == 1:
        return kinds.pop()
    if kinds <= {"integer", "number"}:
        return "number"
    if kinds <= {"date", "datetime"}:
        return "datetime"
    return "text"


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict | list):
        return "json"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, str):
        return _text_kind(value.strip())
    return "text"


def _text_kind(text: str) -> str:
    if text.lower() in _WIRE_BOOL:
        return "boolean"
    if _CODE.match(text):
        return "text"  # "007", "00.5": leading zeros make it a code, not a number
    if _INT.fullmatch(text):
        return "integer"
    if _NUMBER.fullmatch(text):
        return "number"
    if _DATE.fullmatch(text) and _parses(dt.date.fromisoformat, text):
        return "date"
    if _DATETIME.fullmatch(text) and _parses(_parse_datetime, text):
        return "datetime"
    if text[:1] in ("{", "[") and _parses(json.loads, text):
        return "json"
    return "text"


def _parses(parse: Any, text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


# -- coercion -------------------------------------------------------------------------


def coerce(value: object, type_: str | None) -> object:
    """`value` (from the wire, a file or typed in) as `type_`; ValueError with the reason.

    None and "" are "no value" (None) for every type but text."""
    if value is None:
        return None
    if type_ in (None, "text", "choice"):
        return value if isinstance(value, str) else format_value(value, None)
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    convert = _COERCERS.get(type_)
    if convert is None:
        raise ValueError(f"unknown type {type_!r}")
    return convert(value)


def _integer(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        if _DIGITS.fullmatch(value):  # not int() alone: it also takes "1_000"
            return int(value)
        try:
            number = _number(value)
        except ValueError:
            number = None
        if isinstance(number, float) and number.is_integer():
            return int(number)
    raise ValueError(f"{value!r} is not an integer")


def _number(value: object) -> int | float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return value
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        number = float(value)
        if math.isfinite(number):
            return int(value) if _DIGITS.fullmatch(value) else number
    raise ValueError(f"{value!r} is not a number")


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a boolean (true or false)")


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    try:
        return dt.date.fromisoformat(text[:10] if _DATETIME.fullmatch(text) else text)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _parse_datetime(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


def _datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    try:
        return _parse_datetime(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a date and time (ISO 8601)") from None


def _json(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise ValueError(f"not valid JSON: {exc.args[0] if exc.args else exc}") from None


_COERCERS = {
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "date": _date,
    "datetime": _datetime,
    "json": _json,
}


# -- text and wire forms --------------------------------------------------------------


def format_value(value: object, type_: str | None) -> str:
    """The value as text: shown in the grid, written to CSV, sent as a query parameter.

    No value is ""; booleans true/false; dates ISO 8601; JSON compact; floats without
    a needless ".0" and never in a lossy form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def to_wire(value: object, type_: str | None) -> object:
    """The value for a JSON payload: dates as ISO text, JSON as the object itself."""
    if isinstance(value, dt.date):
        return format_value(value, type_)
    if type_ == "json" and isinstance(value, str):
        return _json(value)
    return value


def parse_text(text: str, type_: str | None) -> object:
    """What an editor's text means for a column of this type.

    Empty text is null except in text columns; text that does not parse is
    kept as typed so the cell can show it, marked invalid.
    """
    if type_ in (None, "text", "choice"):
        return text
    if text.strip() == "":
        return None
    try:
        return coerce(text, type_)
    except (ValueError, TypeError, OverflowError):
        return text
