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
        self._scan(text)

    def _scan(self, text: str) -> None:
        table: Path = ()
        in_multiline = False
        for number, line in enumerate(text.splitlines(), start=1):
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = not in_multiline
                if not in_multiline:
                    continue
            elif in_multiline:
                continue
            header = _HEADER.match(line)
            if header:
                table = split_key(header.group(1))
                self._lines.setdefault(table, number)
                continue
            assign = _ASSIGN.match(line)
            if assign:
                path = table + split_key(assign.group(1))
                self._lines.setdefault(path, number)
                self._scan_inline(path, line[assign.end() :], number)

    def _scan_inline(self, base: Path, rest: str, number: int) -> None:
        # Keys inside an inline table on the same line: `pagination = { type = "x" }`.
        if "{" not in rest:
            return
        for match in _INLINE_KEY.finditer(rest):
            self._lines.setdefault(base + split_key(match.group(1)), number)

    def line_of(self, path: Path) -> int:
        """The line of `path`, else of its nearest defined parent, else 1."""
        for end in range(len(path), 0, -1):
            line = self._lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1
