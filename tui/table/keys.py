"""The key index of the loaded rows: key -> row id, with duplicate keys noted.

Keys compare by value: a key loaded as 7.0 is the key 7.  A key with a null
part indexes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


class KeyIndex:
    """Loaded rows by key; only loading adds to it and only a written delete removes."""

    def __init__(self, key: tuple[str, ...]) -> None:
        self.key = key
        self._rows: dict[object, int] = {}
        self.duplicates: dict[object, list[int]] = {}  # key -> every row that has it

    def add(self, records: Sequence[Mapping[str, object]], rows: range) -> None:
        """Index a page of loaded rows (``rows`` are their ids)."""
        if not self.key:
            return
        keys: Iterable[object]
        if len(self.key) == 1:
            keys = map(key_part, (r.get(self.key[0]) for r in records))
        else:
            keys = (key_tuple(tuple(r.get(k) for k in self.key)) for r in records)
        index, dups = self._rows, self.duplicates
        for row, k in zip(rows, keys, strict=True):
            if k is None:
                continue
            first = index.setdefault(k, row)
            if first != row:
                dups.setdefault(k, [first]).append(row)

    def lookup(self, key: Mapping[str, object]) -> object:
        """The index's form of a key: comparable by value, None when a part is null."""
        if len(self.key) == 1:
            return key_part(key.get(self.key[0]))
        return key_tuple(tuple(key.get(k) for k in self.key))

    def get(self, key: Mapping[str, object]) -> int | None:
        return self._rows.get(self.lookup(key))

    def remove(self, key: Mapping[str, object], row: int) -> None:
        """Forget ``row`` under its key (a delete was written)."""
        if not self.key:
            return
        k = self.lookup(key)
        if k is not None and self._rows.get(k) == row:
            del self._rows[k]

    def is_duplicate(self, key: Mapping[str, object]) -> bool:
        return bool(self.duplicates) and self.lookup(key) in self.duplicates


def key_part(value: object) -> object:
    # Keys compare by value: a key loaded as 7.0 is the key 7.
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def key_tuple(parts: tuple[object, ...]) -> tuple[object, ...] | None:
    if any(p is None for p in parts):
        return None
    return tuple(map(key_part, parts))


def key_words(key: Mapping[str, object]) -> str:
    """A key for messages: id=7, region='eu'."""
    return ", ".join(f"{k}={v!r}" for k, v in key.items())
