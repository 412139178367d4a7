"""JSON on the hot paths (response bodies in, JSON Lines out) through orjson, with the
standard library's meaning kept wherever orjson would differ.

orjson is several times faster, but stricter: integers past 64 bits become floats,
NaN and Infinity, byte order marks and UTF-16 bodies are refused.  Those (rare) inputs
go through `json`, so a body decodes to the same value and fails with the same
words either way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import orjson

_LINE = orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATETIME
# Every byte to a space but digits to "0": a run of 20 zeros is a number orjson would
# turn into a float (past 2**64), which json keeps exact.
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_NUMBER = b"0" * 20


def loads(body: bytes) -> Any:
    """The JSON value of `body`; ValueError (json's, with its words) when it is not JSON."""
    if _LONG_NUMBER in body.translate(_DIGITS):
        return json.loads(body)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)  # what orjson refuses: NaN, a byte order mark, UTF-16


def dump_lines(records: Sequence[dict[str, Any]]) -> bytes:
    """Each record as one line of compact JSON (UTF-8, not ASCII-escaped)."""
    dumps, option = orjson.dumps, _LINE
    try:
        return b"".join([dumps(r, default=str, option=option) for r in records])
    except orjson.JSONEncodeError:
        return b"".join(_dump_line(r) for r in records)


def _dump_line(record: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(record, default=str, option=_LINE)
    except orjson.JSONEncodeError:  # an integer past 64 bits, a key that is not text
        text = json.dumps(record, ensure_ascii=False, default=str, separators=(",", ":"))
        return text.encode("utf-8", "surrogatepass") + b"\n"
