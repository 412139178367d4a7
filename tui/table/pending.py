"""The pending changes as a change set, and change sets (from a file or a diff) applied.

``changes()`` lists what a writeback would send; ``apply_changes`` makes the
changes of a file as edits, refusing each one that does not fit the table as
loaded (no such row, a conflicting ``was``, a read-only column).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.config.reader import printable
from tui.table.changeset import Change, ChangeSet
from tui.table.editing import Editing
from tui.table.history import AddRow, MarkDeleted
from tui.table.keys import key_words
from tui.table.overlay import same
from tui.table.undo import Undo

if TYPE_CHECKING:
    from tui.table.rows import Rows


@dataclass(frozen=True)
class Rejected:
    """A change from a file or a diff that was not applied, and why."""

    change: Change
    reason: str

    def __str__(self) -> str:
        return printable(
            f"{self.change.where()}: {self.reason}"
        )  # values from a file may break lines


class PendingChanges:
    """The change-set part of a table: listing pending changes and applying change sets."""

    def __init__(self, rows: Rows, undo: Undo, editing: Editing) -> None:
        self._t = rows
        self._undo = undo
        self._editing = editing

    def changes(self) -> ChangeSet:
        """The pending changes: inserts, then updates and deletes in row order."""
        t, ov = self._t, self._t.overlay
        out = [
            Change("insert", row=row, values={k: v for k, v in values.items() if v is not None})
            for row, values in ov.inserts.items()
        ]
        for row in sorted(ov.updates):
            if row not in ov.deletes:
                cells = ov.updates[row]
                was = {c: t.store.get(row, c) for c in cells}
                out.append(Change("update", row=row, key=t.key_of(row), set=dict(cells), was=was))
        for row in sorted(ov.deletes):
            out.append(Change("delete", row=row, key=t.key_of(row)))
        return ChangeSet(tuple(out), keyed=bool(t.key))

    def apply_changes(self, changes: Iterable[Change]) -> list[Rejected]:
        """Apply changes from a file or a diff as one undo step; returns those refused."""
        rejected = []
        with self._undo.step("apply changes"):
            for change in changes:
                reason = self._apply_change(change)
                if reason:
                    rejected.append(Rejected(change, reason))
        return rejected

    def _apply_change(self, change: Change) -> str | None:
        t = self._t
        if t.read_only:
            return t.read_only
        if change.op == "insert":
            return self._apply_insert(change)
        row = self._locate(change)
        if row is None:
            return f"no row with key {key_words(change.key)}" if t.key else f"no row {change.row}"
        if change.op == "delete":
            if row not in t.overlay.deletes:
                self._undo.perform(MarkDeleted(row))
            return None
        reasons = [self._editing.editable(row, c) for c in change.set]
        reasons += [self._conflict(row, c, v) for c, v in change.was.items()]
        reason = next((r for r in reasons if r), None)
        if reason:
            return reason
        for column, value in change.set.items():
            self._undo.set(row, column, value)
        return None

    def _apply_insert(self, change: Change) -> str | None:
        t = self._t
        for column in change.values:
            reason = self._editing.new_row_refusal(column)
            if reason:
                return reason
        key = {k: change.values.get(k) for k in t.key}
        if t.key and all(v is not None for v in key.values()) and t.find(key) is not None:
            return f"a row with key {key_words(key)} exists"
        row = t.overlay.new_id()
        self._undo.perform(AddRow(row, dict(change.values), len(t.overlay.inserts)))
        return None

    def _locate(self, change: Change) -> int | None:
        t = self._t
        if t.key:
            return t.find(change.key)
        row = change.row
        return row if row is not None and row >= 0 and t.exists(row) else None

    def _conflict(self, row: int, column: str, was: object) -> str | None:
        t = self._t
        if column not in t.columns:
            return f"no column {column}"
        loaded = t.store.get(row, column)
        if same(loaded, was):
            return None
        return f"conflict: {column} is {loaded!r} on the server, the change expected {was!r}"
