"""JSON on the hot paths (response bodies in, JSON Lines out) through msgspec, with the
standard library's meaning kept wherever msgspec would differ.

msgspec is among the fastest JSON libraries and, unlike orjson, keeps integers of any
size exact, so no body needs scanning first.  What it refuses (NaN and
Infinity, 1e400, byte order marks, UTF-16, lone surrogates) goes through `json`, so a
body decodes to the same value and fails with the same words either way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import msgspec

_DECODER = msgspec.json.Decoder()
# A page of flat records: every array that is the body or one of its members holds
# objects of scalars only.  Checked by msgspec as it decodes, in the same time.
_SCALAR = str | int | float | bool | None
_FLAT = list[dict[str, _SCALAR]]
_FLAT_PAGE = msgspec.json.Decoder(dict[str, _FLAT | dict[str, Any] | _SCALAR] | _FLAT)
# str() for what JSON has no type for (dates and times go as ISO 8601)
_ENCODER = msgspec.json.Encoder(enc_hook=str)


def loads(body: bytes) -> Any:
    """The JSON value of `body`; ValueError (json's, with its words) when it is not JSON."""
    try:
        return _DECODER.decode(body)
    except msgspec.DecodeError:
        return json.loads(body)


def loads_page(body: bytes) -> tuple[Any, bool]:
    """`loads`, and whether the body is a page of flat records (see `_FLAT_PAGE`)."""
    try:
        return _FLAT_PAGE.decode(body), True
    except msgspec.ValidationError:  # valid JSON of another shape
        return loads(body), False
    except msgspec.DecodeError:
        return json.loads(body), False


def dump_lines(records: Sequence[dict[str, Any]]) -> bytes:
    """Each record as one line of compact JSON (UTF-8, not ASCII-escaped)."""
    try:
        return _ENCODER.encode_lines(records)
    except (TypeError, ValueError):  # a key that is not text, a lone surrogate
        return b"".join(_dump_line(r) for r in records)


def _dump_line(record: dict[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, default=str, separators=(",", ":"))
    return text.encode("utf-8", "surrogatepass") + b"\n"
