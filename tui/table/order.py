"""Sorting, filtering and searching rows without copying them: only row ids move.

Pure functions over value lists and byte masks; the table facade feeds them.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from itertools import compress, repeat
from operator import contains, is_, is_not


def sort_ids(ids: Sequence[int], values: Sequence[object], descending: bool = False) -> array:
    """``ids`` ordered by their ``values`` (aligned); nulls last either way; stable."""
    positions = range(len(values))
    present = list(compress(positions, map(is_not, values, repeat(None))))
    nulls = compress(positions, map(is_, values, repeat(None)))
    kinds = set(map(type, map(values.__getitem__, present)))
    if kinds == {str}:
        # People expect "apple" before "Banana": sort by exact text, then (stable)
        # by folded text, so ties in folded text keep a fixed order.
        present.sort(key=values.__getitem__, reverse=descending)
        folded = [v.casefold() if v is not None else "" for v in values]  # type: ignore[union-attr]
        present.sort(key=folded.__getitem__, reverse=descending)
    elif kinds <= {int, float} or len(kinds) == 1:
        present.sort(key=values.__getitem__, reverse=descending)
    else:
        # Mixed types cannot be compared directly: group by type name, then value.
        present.sort(key=lambda i: _mixed_key(values[i]), reverse=descending)
    present.extend(nulls)
    return array("q", map(ids.__getitem__, present))


def _mixed_key(value: object) -> tuple[str, object]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ("number", value)
    return (type(value).__name__, value if isinstance(value, str) else str(value))


def text_test(needle: str, show: Callable[[object], str]) -> Callable[[object], bool]:
    """Case-insensitive "contains" against the value as the grid shows it."""
    folded = needle.casefold()
    return lambda v: v is not None and folded in show(v).casefold()


def text_hits(values: Sequence[object], needle: str, show: Callable[[object], str]) -> bytearray:
    """A byte per value: 1 where its shown text contains ``needle`` (case-insensitive).

    Works through ``map`` so the per-value loop runs in C apart from ``show``.
    """
    texts = map(str.casefold, map(show, values))
    hits = bytearray(map(contains, texts, repeat(needle.casefold())))
    for i in compress(range(len(values)), map(is_, values, repeat(None))):
        hits[i] = 0
    return hits


def any_of(masks: Sequence[bytes | bytearray], length: int) -> bytearray:
    """Byte-wise OR of 0/1 masks, done on big integers so it runs in C."""
    acc = 0
    for mask in masks:
        acc |= int.from_bytes(mask, "little")
    return bytearray(acc.to_bytes(length, "little"))


def masked(ids: Sequence[int], mask: bytes | bytearray) -> array:
    """The ids whose mask byte is set (mask aligned with ids)."""
    return array("q", compress(ids, mask))


def next_hit(
    count: int, hit: Callable[[int], bool], start: int, backwards: bool = False
) -> int | None:
    """The first position after ``start`` (before, going backwards) that hits, wrapping."""
    step = -1 if backwards else 1
    for offset in range(1, count + 1):
        pos = (start + step * offset) % count
        if hit(pos):
            return pos
    return None
