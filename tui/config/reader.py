"""Typed, error-collecting access to one table of the raw TOML data.

Every getter records what is wrong instead of raising, so validation reports all
errors of a file at once; `finish()` reports the keys nobody asked for.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from msgspec import Struct

from tui.secrets import SecretRef, is_sensitive_header, parse_ref

C = TypeVar("C", bound=str)  # one value of a closed set of words

KeyPath = tuple[str, ...]

_TYPE_NAMES = {str: "a string", bool: "true or false", list: "an array", dict: "a table"}


class Problem(Struct, frozen=True):
    path: KeyPath
    message: str


def dotted(path: KeyPath) -> str:
    return ".".join(
        f'"{printable(p)}"' if not p.replace("_", "").replace("-", "").isalnum() else p
        for p in path
    )


def printable(text: str) -> str:
    """`text` with line breaks and other control characters escaped: messages stay one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# Query parameters that carry credentials by convention (headers use is_sensitive_header).
_SECRET_PARAMS = frozenset(
    {
        "apikey",
        "api_key",
        "access_token",
        "token",
        "key",
        "password",
        "secret",
        "client_secret",
        "sig",
    }
)


def _is_secret_name(table: str, name: str) -> bool:
    if table.endswith("headers"):
        return is_sensitive_header(name)
    return name.lower() in _SECRET_PARAMS


class Section:
    """One TOML table being read, with the path that names it in errors."""

    def __init__(self, data: dict[str, Any], path: KeyPath, problems: list[Problem]) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self._seen: set[str] = set()

    def error(self, key: str | tuple[str, ...] | None, message: str) -> None:
        path = self.path + ((key,) if isinstance(key, str) else (key or ()))
        self.problems.append(Problem(path, f"{dotted(path)}: {message}"))

    def has(self, key: str) -> bool:
        return key in self.data

    def _get(self, key: str, kind: type | tuple[type, ...], required: bool) -> Any:
        self._seen.add(key)
        if key not in self.data:
            if required:
                self.error(key, "is required")
            return None
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if kind is float and isinstance(value, float) and not math.isfinite(value):
            self.error(key, f"must be a finite number (got {value})")
            return None
        if isinstance(value, bool) and kind is not bool:
            value_ok = False
        else:
            value_ok = isinstance(value, kind)
        if not value_ok:
            self.error(key, f"must be {_describe(kind)}, not {_describe(type(value))}")
            return None
        return value

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self._get(key, str, required)
        return default if value is None else value

    def choice(self, key: str, default: C, choices: Sequence[C]) -> C:
        """One of a closed set; anything else is an error that lists the set."""
        return self.maybe_choice(key, choices) or default

    def maybe_choice(self, key: str, choices: Sequence[C]) -> C | None:
        value = self._get(key, str, False)
        if value is None:
            return None
        for choice in choices:
            if value == choice:
                return choice
        self.error(key, f"must be one of {', '.join(choices)} (got {value!r})")
        return None

    def integer(self, key: str, default: int, *, minimum: int | None = None) -> int:
        value: int | None = self._get(key, int, False)
        if value is None:
            return default
        if minimum is not None and value < minimum:
            self.error(key, f"must be at least {minimum} (got {value})")
            return default
        return value

    def number(
        self,
        key: str,
        default: float | None,
        *,
        minimum: float | None = None,
        positive: bool = False,
    ) -> float | None:
        value: float | None = self._get(key, float, False)
        if value is None:
            return default
        if positive and value <= 0:
            self.error(key, f"must be greater than 0 (got {value:g})")
            return default
        if minimum is not None and value < minimum:
            self.error(key, f"must be at least {minimum:g} (got {value:g})")
            return default
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, bool, False)
        return default if value is None else value

    def text_list(self, key: str, *, unique: bool = True) -> tuple[str, ...]:
        value = self._get(key, (list, str), False)
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not all(isinstance(item, str) for item in items):
            self.error(key, "must be an array of strings")
            return ()
        duplicates = sorted({item for item in items if items.count(item) > 1})
        if unique and duplicates:
            self.error(key, f"lists {duplicates[0]!r} twice")
        return tuple(items)

    def path_value(self, key: str) -> Path | None:
        value = self._get(key, str, False)
        if value and "\0" in value:
            self.error(key, "must not contain a NUL character")
            return None
        return Path(value).expanduser() if value else None

    def secret(self, key: str, *, required: bool = False) -> SecretRef | None:
        self._seen.add(key)
        if key not in self.data:
            if required:
                self.error(key, 'is required (a secret reference such as { env = "NAME" })')
            return None
        try:
            return parse_ref(self.data[key])
        except ValueError as exc:
            self.error(key, str(exc))
            return None

    def value_map(self, key: str) -> dict[str, str | SecretRef]:
        """Headers or query parameters: strings, or secret references for credentials."""
        table = self._get(key, dict, False)
        result: dict[str, str | SecretRef] = {}
        for name, value in (table or {}).items():
            if isinstance(value, dict):
                try:
                    result[name] = parse_ref(value)
                except ValueError as exc:
                    self.error((key, name), str(exc))
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                if _is_secret_name(key, name):
                    self.error(
                        (key, name),
                        'holds a literal secret; use a reference such as { env = "NAME" }',
                    )
                result[name] = str(value)
            else:
                self.error((key, name), "must be a string or a secret reference")
        return result

    def table(self, key: str, *, required: bool = False) -> Section | None:
        value = self._get(key, dict, required)
        if value is None:
            return None
        return Section(value, self.path + (key,), self.problems)

    def tables(self) -> Iterable[tuple[str, Section]]:
        """Every sub-table of this section (for [integrations.*] and the like)."""
        for key, value in self.data.items():
            self._seen.add(key)
            if not isinstance(value, dict):
                self.error(key, f"must be a table ([{dotted(self.path + (key,))}])")
                continue
            yield key, Section(value, self.path + (key,), self.problems)

    def finish(self) -> None:
        for key in self.data:
            if key not in self._seen:
                self.error(key, f"unknown key{did_you_mean(key, self._known())}")

    def _known(self) -> list[str]:
        return sorted(self._seen)


def _describe(kind: type | tuple[type, ...]) -> str:
    if isinstance(kind, tuple):
        return " or ".join(_describe(k) for k in kind)
    if kind in (int, float):
        return "a number"
    return _TYPE_NAMES.get(kind, kind.__name__)


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest known word, or ''."""
    import difflib  # only a config with a mistake needs it

    hint = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""
