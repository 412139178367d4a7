"""What the grid and the status bar show of the table: row and cell states, counts, key trouble."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from tui.table.changeset import status_line
from tui.table.keys import key_words
from tui.table.validation import Validation

if TYPE_CHECKING:
    from tui.table.rows import Rows


class State(StrEnum):
    CLEAN = "clean"
    CHANGED = "changed"
    NEW = "new"
    DELETED = "deleted"
    INVALID = "invalid"


@dataclass(frozen=True)
class Counts:
    changed: int  # loaded rows with changed cells (not deleted)
    changed_values: int
    new: int
    deleted: int
    invalid: int  # cells that break a rule

    def __str__(self) -> str:
        return status_line(self.changed, self.new, self.deleted)


class Status:
    """The state part of a table: reads the overlay, the validation marks and the keys."""

    def __init__(self, rows: Rows, validation: Validation) -> None:
        self._t = rows
        self._valid = validation

    def state(self, row: int) -> State:
        """deleted > invalid > new > changed > clean."""
        ov = self._t.overlay
        if row in ov.deletes:
            return State.DELETED
        if row in self._valid.cells:
            return State.INVALID
        if row < 0:
            if row not in ov.inserts:
                raise KeyError(row)
            return State.NEW
        return State.CHANGED if row in ov.updates else State.CLEAN

    def cell_state(self, row: int, column: str) -> State:
        ov = self._t.overlay
        if row in ov.deletes:
            return State.DELETED
        bad = self._valid.cells.get(row)
        if bad is not None and column in bad:
            return State.INVALID
        if row < 0:
            return State.NEW
        cells = ov.updates.get(row)
        return State.CHANGED if cells is not None and column in cells else State.CLEAN

    def row_error(self, row: int) -> str | None:
        """Why the last writeback of this row failed, or why its key is ambiguous."""
        t = self._t
        if row in t.errors:
            return t.errors[row]
        if row >= 0 and t.keys.duplicates and t.keys.is_duplicate(t.key_of(row)):
            return f"duplicate key {key_words(t.key_of(row))}"
        return None

    def counts(self) -> Counts:
        ov = self._t.overlay
        invalid = self._valid.count()
        return Counts(ov.changed_rows, ov.changed_cells, len(ov.inserts), len(ov.deletes), invalid)

    def duplicate_keys(self) -> list[tuple[dict[str, object], list[int]]]:
        """Keys that more than one loaded row has, with those rows."""
        t = self._t
        return [(t.key_of(rows[0]), rows) for rows in t.keys.duplicates.values()]

    def key_problems(self) -> list[str]:
        """The loaded data's key trouble in words (duplicate or missing keys)."""
        lines = [
            f"key {key_words(key)} is on {len(rows)} rows ({', '.join(map(str, rows[:5]))}"
            + (", ...)" if len(rows) > 5 else ")")
            for key, rows in self.duplicate_keys()
        ]
        keyless = self._t.keys.keyless
        if keyless:
            n = len(keyless)
            lines.append(
                f"{n} row{'s' if n != 1 else ''} without a value for "
                f"{', '.join(self._t.key)} (first: row {keyless[0]})"
            )
        return lines
