"""Cell values as JSON-able data and back, exactly: for journals and change files.

Plain JSON values stay as they are; values JSON cannot hold (dates, decimals,
non-finite floats) and objects that could be mistaken for them are tagged
objects with one key, e.g. ``{"$date": "2024-01-31"}``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from decimal import Decimal


def encode_value(value: object) -> object:
    """A cell value as JSON-able data that ``decode_value`` turns back exactly."""
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, tuple):
        return [encode_value(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    if isinstance(value, dict):
        # A loaded JSON object that happens to look like a tag must stay an object.
        return {"$object": {k: encode_value(v) for k, v in value.items()}}
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    return value


_DECODERS: dict[str, Callable[[str], object]] = {
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
    "$decimal": Decimal,
    "$float": float,
}


def decode_value(data: object) -> object:
    """The cell value ``encode_value`` made ``data`` from."""
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    if isinstance(data, dict):
        ((tag, inner),) = data.items()
        if tag == "$object" and isinstance(inner, dict):
            return {k: decode_value(v) for k, v in inner.items()}
        if not isinstance(inner, str):
            raise TypeError(f"{tag} needs text, not {inner!r}")
        return _DECODERS[tag](inner)
    return data


def encode_cells(cells: Mapping[str, object]) -> dict[str, object]:
    return {k: encode_value(v) for k, v in cells.items()}


def decode_cells(cells: Mapping[str, object]) -> dict[str, object]:
    return {k: decode_value(v) for k, v in cells.items()}
