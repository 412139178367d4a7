"""Map dotted key paths of a TOML text to the line that defines them.

tomllib gives values but no positions, and every validation error must name a
line; a light line scanner is enough because the text has already parsed.
"""

from __future__ import annotations

import re

_BARE = r"[A-Za-z0-9_-]+"
_KEY_PART = rf'(?:{_BARE}|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=")
_INLINE_KEY = re.compile(rf"[{{,]\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY_PART)

Path = tuple[str, ...]


def split_key(dotted: str) -> Path:
    """Split `a."b.c".d` into ("a", "b.c", "d")."""
    parts = []
    for raw in _PART.findall(dotted):
        if raw[:1] in "\"'":
            raw = raw[1:-1]
        parts.append(raw)
    return tuple(parts)


class LineIndex:
    """Line numbers (1-based) of tables and keys in one TOML document."""

    def __init__(self, text: str) -> None:
        self._lines: dict[Path, int] = {}
        self._implied: dict[Path, int] = {}  # parents of [a.b.c] or a.b = 1, defined there too
        self._scan(text)

    def _scan(self, text: str) -> None:
        table: Path = ()
        open_string: str | None = None
        # TOML ends lines at "\n" only; splitlines() would also split at U+2028 in a string.
        for number, line in enumerate(text.split("\n"), start=1):
            if open_string is not None:
                open_string = _open_string(line, open_string)
                continue
            open_string = _open_string(line, None)
            header = _HEADER.match(line)
            if header:
                table = split_key(header.group(1))
                self._define(table, number)
                continue
            assign = _ASSIGN.match(line)
            if assign:
                path = table + split_key(assign.group(1))
                self._define(path, number)
                self._scan_inline(path, line[assign.end() :], number)

    def _define(self, path: Path, number: int) -> None:
        self._lines.setdefault(path, number)
        for end in range(1, len(path)):
            self._implied.setdefault(path[:end], number)

    def _scan_inline(self, base: Path, rest: str, number: int) -> None:
        # Keys inside an inline table on the same line: `pagination = { type = "x" }`.
        if "{" not in rest:
            return
        for match in _INLINE_KEY.finditer(rest):
            self._lines.setdefault(base + split_key(match.group(1)), number)

    def line_of(self, path: Path) -> int:
        """The line of `path`, else of its nearest defined parent, else 1."""
        for end in range(len(path), 0, -1):
            line = self._lines.get(tuple(path[:end])) or self._implied.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1


def _open_string(line: str, quote: str | None) -> str | None:
    """The multi-line string delimiter still open after `line` (`quote`: open before it)."""
    i = 0
    while i < len(line):
        if quote is not None:
            i = _string_end(line, i, quote)
            if i < 0:
                return quote
            quote = None
        elif line[i] == "#":
            return None
        elif line.startswith(('"""', "'''"), i):
            quote, i = line[i : i + 3], i + 3
        elif line[i] in "\"'":
            i = _string_end(line, i + 1, line[i])
            if i < 0:
                return None
        else:
            i += 1
    return quote


def _string_end(line: str, i: int, quote: str) -> int:
    """The index just past the `quote` that closes a string begun before `i`, or -1."""
    while i < len(line):
        if quote[0] == '"' and line[i] == "\\":
            i += 2  # an escape: the next character cannot close the string
        elif line.startswith(quote, i):
            return i + len(quote)
        else:
            i += 1
    return -1
