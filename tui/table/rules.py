"""Cell rules from the column config: required, type, choices, pattern, min and max.

Each check returns one message in words ("must be at least 0"), or None.
Types (what "an integer" or "a date" is) come from ``tui.table.types``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tui.config.model import Column
from tui.table.types import coerce, format_value

_TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date and time (ISO 8601)",
    "json": "valid JSON",
}


def check(column: Column | None, value: object, *, required: bool = False) -> str | None:
    """The first rule this value breaks, in words; None when it is fine."""
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
