"""Sorting, filtering and searching rows without copying them: only row ids move.

Pure functions over value lists and byte masks; the table's view feeds them.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import compress, repeat
from operator import contains, is_, is_not
from typing import Any, TypeVar, cast

# Work on a million rows goes in slices: one C call over a slice is short, and
# between calls a thread computing a view lets the UI thread run.
SLICE = 1 << 15


class Cancelled(Exception):
    """A view computation was called off (`tick` raised it between slices)."""


R = TypeVar("R")
Tick = Callable[[], None]
# Sort keys: values of one kind (or grouped by kind) compare, which the checker cannot see.
Key = Callable[[int], Any]


def no_tick() -> None:
    return None


def sort_ids(
    ids: Sequence[int], values: Sequence[object], descending: bool = False, tick: Tick = no_tick
) -> array[int]:
    """``ids`` ordered by their ``values`` (aligned); nulls last either way; stable.

    Sorted a slice at a time, then merged; `tick` is called between slices."""
    present, nulls, kinds = _partition(values, tick)
    key: Key
    if kinds == {str}:
        # People expect "apple" before "Banana": by folded text, then by exact text.
        folded = [v.casefold() if isinstance(v, str) else "" for v in values]
        tick()
        key = lambda i: (folded[i], values[i])  # noqa: E731
        runs = [_two_pass(run, values, folded, descending) for run in _slices(present, tick)]
    else:
        mixed = not (kinds <= {int, float} or len(kinds) == 1)
        # Mixed types cannot be compared directly: group by type name, then value.
        key = (lambda i: _mixed_key(values[i])) if mixed else _getter(values)
        runs = [sorted(run, key=key, reverse=descending) for run in _slices(present, tick)]
    ordered = runs[0] if len(runs) == 1 else _merge(runs, key, descending, tick)
    ordered.extend(nulls)
    out = array("q")
    for run in _slices(ordered, tick):
        out.extend(map(ids.__getitem__, run))
    drop(present, nulls, ordered, *runs)
    if kinds == {str}:
        drop(folded)
    return out


def _partition(values: Sequence[object], tick: Tick) -> tuple[list[int], list[int], set[type]]:
    """Positions of the values present, positions of the nulls, and the types present."""
    present: list[int] = []
    nulls: list[int] = []
    kinds: set[type] = set()
    for start in range(0, len(values), SLICE):
        tick()
        part = values[start : start + SLICE]
        positions = range(start, start + len(part))
        present += compress(positions, map(is_not, part, repeat(None)))
        nulls += compress(positions, map(is_, part, repeat(None)))
        kinds.update(map(type, part))
    kinds.discard(type(None))
    return present, nulls, kinds


def drop(*lists: list[Any]) -> None:
    """Empty big lists a slice at a time: freeing a million objects in one go is one
    long C call that holds every other thread."""
    for items in lists:
        while items:
            del items[-SLICE:]


def id_range(count: int) -> array[int]:
    """The ids 0..count-1, built a slice at a time (one call for a million is a long one)."""
    ids = array("q")
    for start in range(0, count, SLICE):
        ids.extend(range(start, min(start + SLICE, count)))
    return ids


def in_slices(work: Callable[[Any], Iterable[R]], items: Sequence[object]) -> list[R]:
    """`work` over `items` a slice at a time, joined: one long C call made many short ones."""
    # `work` takes a slice of `items`, of its own type (an array's slice is an array).
    out: list[R] = []
    for start in range(0, len(items), SLICE):
        out += work(items[start : start + SLICE])
    return out


def _two_pass(
    run: list[int], values: Sequence[object], folded: list[str], descending: bool
) -> list[int]:
    run.sort(key=_getter(values), reverse=descending)
    run.sort(key=folded.__getitem__, reverse=descending)  # stable: exact text breaks ties
    return run


def _getter(values: Sequence[object]) -> Key:
    # The bound method, not a lambda: it keys a million rows without a Python call each.
    return cast(Key, values.__getitem__)


def _slices(items: list[int], tick: Tick) -> Iterator[list[int]]:
    for start in range(0, len(items), SLICE):
        tick()
        yield items[start : start + SLICE]


def _merge(runs: list[list[int]], key: Key, descending: bool, tick: Tick) -> list[int]:
    """Sorted runs into one (earlier runs first among equals, as a stable sort has them);
    in Python, so the interpreter hands over to other threads as it goes."""
    merged: list[int] = []
    for count, item in enumerate(heapq.merge(*runs, key=key, reverse=descending)):
        merged.append(item)
        if not count % SLICE:
            tick()
    return merged


def _mixed_key(value: object) -> tuple[str, object]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ("number", value)
    return (type(value).__name__, value if isinstance(value, str) else str(value))


def text_test(needle: str, show: Callable[[object], str]) -> Callable[[object], bool]:
    """Case-insensitive "contains" against the value as the grid shows it."""
    folded = needle.casefold()
    return lambda v: v is not None and folded in show(v).casefold()


def text_hits(
    values: Sequence[object], needle: str, show: Callable[[object], str], tick: Tick = no_tick
) -> bytearray:
    """A byte per value: 1 where its shown text contains ``needle`` (case-insensitive).

    Works through ``map`` so the per-value loop runs in C apart from ``show``.
    """
    folded = needle.casefold()
    hits = bytearray()
    for start in range(0, len(values), SLICE):
        tick()
        part = values[start : start + SLICE]
        texts = map(str.casefold, map(show, part))
        hits += bytearray(map(contains, texts, repeat(folded)))
        for i in compress(range(start, start + len(part)), map(is_, part, repeat(None))):
            hits[i] = 0
    return hits


def any_of(masks: Sequence[bytes | bytearray], length: int) -> bytearray:
    """Byte-wise OR of 0/1 masks, done on big integers so it runs in C."""
    acc = 0
    for mask in masks:
        acc |= int.from_bytes(mask, "little")
    return bytearray(acc.to_bytes(length, "little"))


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
