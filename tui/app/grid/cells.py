"""Cell text as the grid draws it: one line, fitted to a column's width."""

from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size

from tui.table import Table

KEY_MARK = "*"  # before the name of a key column in the header
ELLIPSIS = "…"
NUMERIC = frozenset({"integer", "number"})
_CONTROL = re.compile(r"\r\n|[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """The text on one line: line breaks shown as ↵, other control characters as spaces."""
    if text.isprintable():
        return text
    return _CONTROL.sub(lambda m: "↵" if m.group() in ("\n", "\r\n", "\r") else " ", text)


# Character for character, so a caret position in the text is the same in what is shown.
_CONTROL_CHARS = {c: " " for c in [*range(32), 127]} | {10: "↵", 13: "↵"}


def visible_chars(text: str) -> str:
    """Each control character shown as one visible one (↵ for line breaks)."""
    return text if text.isprintable() else text.translate(_CONTROL_CHARS)


def width_of(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def fit(text: str, width: int, right: bool = False) -> str:
    """Pad or crop ``text`` to exactly ``width`` cells; a cropped text ends with …."""
    if width <= 0:
        return ""
    size = width_of(text)
    if size > width:
        cropped = text[: width - 1] if text.isascii() else set_cell_size(text, width - 1)
        return cropped + ELLIPSIS
    pad = " " * (width - size)
    return pad + text if right else text + pad


def label(table: Table, column: str) -> str:
    """The header text of a column: its label, with the key mark."""
    config = table.config.get(column)
    name = config.label if config is not None and config.label else column
    return f"{KEY_MARK}{name}" if column in table.key else name


def sort_arrow(table: Table, column: str) -> str:
    sort = table.sorted_by
    if sort is None or sort[0] != column:
        return ""
    return "▼" if sort[1] else "▲"


def is_numeric(table: Table, column: str) -> bool:
    return table.column_type(column) in NUMERIC


def read_only_column(table: Table, column: str) -> bool:
    config = table.config.get(column)
    return config is not None and config.read_only
