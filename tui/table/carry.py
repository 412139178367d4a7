"""Pending changes of rows that are not loaded: carried until their row arrives.

A reload starts from an empty table, and a journal is restored onto whatever is
loaded; the changes of rows not (yet) there wait here, by key (by row id without
keys), as the journal's own items.  They count as pending, go out in the
snapshot whole, and are placed on their row as the page holding it arrives.
Those whose row never comes (deleted on the server) stay, so nothing pending is
dropped behind the user's back; only a discard forgets them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

Item = Mapping[str, object]  # a snapshot item: {"key": ...} or {"row": N}, and its parts


@dataclass
class CarriedRow:
    """One row's carried changes, as the snapshot items that named them."""

    ident: dict[str, object]  # {"key": encoded key} or {"row": N}
    update: Item | None = None  # {"set": ..., "was": ...}
    delete: bool = False
    error: str | None = None

    def items(self) -> Iterator[tuple[str, dict[str, object]]]:
        """(snapshot part, item) for each change this row carries."""
        if self.update is not None:
            yield "updates", {**self.update, **self.ident}
        if self.delete:
            yield "deletes", dict(self.ident)
        if self.error is not None:
            yield "errors", {**self.ident, "reason": self.error}


@dataclass
class Carried:
    """Carried rows by the key index's form of their key (``("row", N)`` without keys)."""

    rows: dict[object, CarriedRow] = field(default_factory=dict)
    changed: int = 0  # rows with carried cell changes, not also deleted
    changed_values: int = 0
    deleted: int = 0

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def entry(self, lookup: object, ident: dict[str, object]) -> CarriedRow:
        found = self.rows.get(lookup)
        if found is None:
            found = self.rows[lookup] = CarriedRow(dict(ident))
        else:
            self._count(found, -1)
        return found

    def counted(self, lookup: object, row: CarriedRow) -> None:
        """After `row` (from `entry`) was filled in."""
        self.rows[lookup] = row
        self._count(row, 1)

    def pop(self, lookup: object) -> CarriedRow | None:
        row = self.rows.pop(lookup, None)
        if row is not None:
            self._count(row, -1)
        return row

    def clear(self) -> None:
        self.rows = {}
        self.changed = self.changed_values = self.deleted = 0

    def items(self) -> Iterator[tuple[str, dict[str, object]]]:
        for row in self.rows.values():
            yield from row.items()

    def _count(self, row: CarriedRow, sign: int) -> None:
        cells = row.update.get("set") if row.update is not None else None
        if isinstance(cells, dict) and cells:
            self.changed_values += sign * len(cells)
            if not row.delete:
                self.changed += sign
        if row.delete:
            self.deleted += sign
