"""Folding what the writeback engine learned back into the table.

Rows written become rows as loaded (a new row becomes a loaded row, a deleted
row leaves); rows that failed stay pending with the reason.  A writeback is a
checkpoint: the undo history is cleared, as undoing past it would silently
revert the server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.config.model import WriteStatus
from tui.table.types import parse_text
from tui.table.undo import Undo
from tui.table.validation import Validation

if TYPE_CHECKING:
    from tui.table.rows import Rows


@dataclass(frozen=True)
class RowOutcome:
    """What the writeback engine learned about one row it sent.

    ``status`` is "done", or "failed", "conflict", "unknown" or "skipped" (the
    row stays pending with ``reason``).  ``values`` are what the server says the row now
    holds, e.g. a key it assigned to a new row.
    """

    row: int
    status: WriteStatus
    values: Mapping[str, object] | None = None
    reason: str | None = None


class Results:
    """The writeback-results part of a table."""

    def __init__(self, rows: Rows, validation: Validation, undo: Undo) -> None:
        self._t = rows
        self._valid = validation
        self._undo = undo

    def apply_results(self, outcomes: Iterable[RowOutcome]) -> dict[int, int]:
        """Fold rows written back into the loaded state; keep failed ones pending.

        Returns the new row id of each new row that was written (it becomes a
        loaded row).  The undo history is cleared (see the module docstring).
        """
        moved: dict[int, int] = {}
        for outcome in outcomes:
            if outcome.status == "done":
                new = self._done(outcome.row, dict(outcome.values or {}))
                if new is not None:
                    moved[outcome.row] = new
            else:
                self._t.errors[outcome.row] = outcome.reason or outcome.status
        self._undo.history.clear()
        self._t.version += 1
        return moved

    def _done(self, row: int, server: dict[str, object]) -> int | None:
        t = self._t
        t.errors.pop(row, None)
        self._valid.forget(row)
        if row < 0:
            new = t.written_new(row, self._typed_keys(server))
            self._valid.revalidate_new_keys()
            return new
        if row in t.overlay.deletes:
            t.overlay.forget(row)
            t.forget_loaded(row)
            return None
        for column, value in {**t.overlay.updates.get(row, {}), **server}.items():
            t.store.set(row, column, value)
        t.overlay.forget(row)
        return None

    def _typed_keys(self, server: dict[str, object]) -> dict[str, object]:
        """A key the server gave as text (from a Location URL) typed like its column."""
        t = self._t
        return {
            k: parse_text(v, t.column_type(k)) if k in t.key and isinstance(v, str) else v
            for k, v in server.items()
        }

    def set_loaded(self, row: int, values: Mapping[str, object]) -> None:
        """The server's current values for a loaded row (after a conflict or reload).

        Pending cells now equal to the loaded value stop being changes; others stay.
        """
        t = self._t
        pending = dict(t.overlay.updates.get(row, {}))
        for column, value in values.items():
            t.store.set(row, column, value)
        t.overlay.changed_cells -= len(t.overlay.updates.pop(row, {}))
        for column, value in pending.items():
            t.overlay.set_cell(row, column, value, t.store.get(row, column))
            self._valid.validate(row, column)
        t.version += 1
