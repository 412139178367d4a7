"""Values read off the wire that Python's own parsers take too generously."""

from __future__ import annotations

import codecs

_MAX_DIGITS = 18  # a count past this is no count anyone sends


def count_of(text: str) -> int | None:
    """A plain count of ASCII digits, or None ("²" is a digit to isdigit, not to int)."""
    text = text.strip()
    ok = text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS
    return int(text) if ok else None


def text_encoding(name: str | None) -> str | None:
    """`name` if Python reads text in it; None for unknown names and for codecs such as
    base64 or zlib, which turn bytes into bytes."""
    if not name:
        return None
    try:
        known = codecs.lookup(name)
    except LookupError:
        return None
    return name if getattr(known, "_is_text_encoding", True) else None
