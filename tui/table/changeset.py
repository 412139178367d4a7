"""A change set as data: one ``Change`` a row, in the shape of a change file line.

The JSON Lines change file of ``writeback push --changes``::

    {"op": "update", "key": {"id": 7}, "set": {"qty": 70}, "was": {"qty": 30}}
    {"op": "insert", "values": {"id": 101, "name": "new"}}
    {"op": "delete", "key": {"id": 9}}

Where a destination has no key columns, ``"row": N`` (the load index) takes
the place of ``key``.  ``tui.table.changefile`` reads such files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeGuard

from tui.config.model import OPS, Op


def is_op(value: object) -> TypeGuard[Op]:
    return value in OPS


@dataclass(frozen=True)
class Change:
    """One row's pending change, in the shape of a change file line."""

    op: Op
    row: int | None = None
    key: dict[str, object] = field(default_factory=dict)
    set: dict[str, object] = field(default_factory=dict)
    was: dict[str, object] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    line: int | None = None  # where it came from in a change file

    def to_json(self, *, keyed: bool = True) -> dict[str, object]:
        out: dict[str, object] = {"op": self.op}
        if self.op != "insert":
            if keyed:
                out["key"] = self.key
            else:
                out["row"] = self.row
        if self.op == "update":
            out["set"] = self.set
            if self.was:
                out["was"] = self.was
        if self.op == "insert":
            out["values"] = self.values
        return out

    def where(self) -> str:
        """How messages name this change: the file line, else the key or row."""
        if self.line is not None:
            return f"line {self.line}"
        if self.key:
            return "row " + ", ".join(f"{k}={v!r}" for k, v in self.key.items())
        return f"row {self.row}"


@dataclass(frozen=True)
class ChangeSet:
    """The pending changes at one moment: inserts first, then updates, then deletes."""

    changes: tuple[Change, ...] = ()
    keyed: bool = True

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def of(self, op: Op) -> list[Change]:
        return [c for c in self.changes if c.op == op]

    @property
    def inserts(self) -> list[Change]:
        return self.of("insert")

    @property
    def updates(self) -> list[Change]:
        return self.of("update")

    @property
    def deletes(self) -> list[Change]:
        return self.of("delete")

    @property
    def changed_values(self) -> int:
        return sum(len(c.set) for c in self.updates)

    def summary(self) -> str:
        """In words, for a confirmation: "add 2 rows, change 5 values, delete 1 row"."""
        parts = []
        if self.inserts:
            parts.append("add " + _plural(len(self.inserts), "row"))
        if self.updates:
            parts.append("change " + _plural(self.changed_values, "value"))
        if self.deletes:
            parts.append("delete " + _plural(len(self.deletes), "row"))
        return ", ".join(parts) or "no changes"

    def to_jsonl(self) -> str:
        return "".join(
            json.dumps(c.to_json(keyed=self.keyed), default=_plain, ensure_ascii=False) + "\n"
            for c in self.changes
        )


def status_line(changed: int, new: int, deleted: int) -> str:
    """For the status bar: "3 changed, 1 new, 1 deleted", or "no changes"."""
    parts = [
        f"{n} {word}" for n, word in ((changed, "changed"), (new, "new"), (deleted, "deleted")) if n
    ]
    return ", ".join(parts) or "no changes"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _plain(value: object) -> object:
    # Values coerced by column type (dates, decimals) go to files as their text.
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
