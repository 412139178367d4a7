"""Undo and redo: every user action is one step made of small reversible operations.

An operation says what it did in terms of current values (``before`` and
``after``), not of the change set, so undoing simply sets the old value again
and the change set's own rule (a value equal to the loaded one is no change)
keeps marks right.  A paste or fill down of many cells is one step.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

# Dropped steps of more operations than this are freed on a thread, in slices: a million
# operations freed at once would hold the interpreter (and the screen) for 50-90 ms.
FREE_AT_ONCE = 20_000
_SLICE = 4096  # operations freed per call; the interpreter can switch threads in between


@dataclass(frozen=True, slots=True)
class SetCell:
    row: int
    column: str
    before: object
    after: object

    def inverse(self) -> SetCell:
        return SetCell(self.row, self.column, self.after, self.before)


@dataclass(frozen=True, slots=True)
class AddRow:
    """A new row appears at ``position`` among the new rows, with ``values``."""

    row: int
    values: dict[str, object]
    position: int

    def inverse(self) -> DropRow:
        return DropRow(self.row, self.values, self.position)


@dataclass(frozen=True, slots=True)
class DropRow:
    """A new row disappears (deleting a row that was never written)."""

    row: int
    values: dict[str, object]
    position: int

    def inverse(self) -> AddRow:
        return AddRow(self.row, self.values, self.position)


@dataclass(frozen=True, slots=True)
class MarkDeleted:
    row: int

    def inverse(self) -> Unmark:
        return Unmark(self.row)


@dataclass(frozen=True, slots=True)
class Unmark:
    """A loaded row is no longer marked for deletion."""

    row: int

    def inverse(self) -> MarkDeleted:
        return MarkDeleted(self.row)


Operation = SetCell | AddRow | DropRow | MarkDeleted | Unmark


@dataclass(frozen=True)
class Step:
    """One undoable user action, e.g. "paste 3x2" or "delete 4 rows"."""

    label: str
    operations: Sequence[Operation] = field(default_factory=tuple)  # not changed once made

    def inverse(self) -> Step:
        return Step(self.label, tuple(op.inverse() for op in reversed(self.operations)))

    @property
    def rows(self) -> list[int]:
        """Rows the step touched, in order, each once (to move the cursor there)."""
        return list(dict.fromkeys(op.row for op in self.operations))


class History:
    """Two stacks of steps; a new step forgets what could be redone."""

    def __init__(self, limit: int = 1000) -> None:
        self._undo: deque[Step] = deque(maxlen=limit)
        self._redo: list[Step] = []

    def record(self, step: Step) -> None:
        if step.operations:
            self._undo.append(step)
            dropped, self._redo = self._redo, []
            if sum(len(s.operations) for s in dropped) > FREE_AT_ONCE:
                threading.Thread(
                    target=_free_in_slices, args=(dropped,), name="free-steps", daemon=True
                ).start()

    def pop_undo(self) -> Step | None:
        """The step to undo (as done), moved to the redo stack."""
        if not self._undo:
            return None
        step = self._undo.pop()
        self._redo.append(step)
        return step

    def pop_redo(self) -> Step | None:
        """The step to redo (as done), moved back to the undo stack."""
        if not self._redo:
            return None
        step = self._redo.pop()
        self._undo.append(step)
        return step

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()


def _free_in_slices(steps: list[Step]) -> None:
    """Let go of steps that can no longer be redone, a slice of operations at a time."""
    while steps:
        operations = list(steps.pop().operations)  # the step goes; the list holds its ops
        while operations:
            del operations[-_SLICE:]
