"""Changing the table in undoable steps: each operation is applied, then recorded.

Operations and the two stacks of steps are in ``tui.table.history``; here they
are applied to the rows, the overlay and the validation marks, and undone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from tui.table.history import (
    AddRow,
    DropRow,
    History,
    MarkDeleted,
    Operation,
    SetCell,
    Step,
)
from tui.table.overlay import same
from tui.table.validation import Validation

if TYPE_CHECKING:
    from tui.table.rows import Rows


class Undo:
    """Makes every change as an operation inside a step, so it can be undone and redone."""

    def __init__(self, rows: Rows, validation: Validation) -> None:
        self._t = rows
        self._valid = validation
        self.history = History()
        self._pending: list[Operation] | None = None
        self._last_ops: Sequence[Operation] = ()  # what the last step did
        self.last_changed = False  # whether the last step changed anything

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Operations performed inside are one undo step called ``label``."""
        # Operations are applied as they are made, so each sees the state the
        # previous one left (positions of dropped rows, values set twice).
        self._pending = []
        self.last_changed = False
        try:
            yield
        finally:
            ops, self._pending = self._pending, None
            self._last_ops = ops  # kept as it is: a million operations copied take 20 ms
            self.last_changed = bool(ops)
            self.history.record(Step(label, self._last_ops))

    @property
    def last_step_rows(self) -> int:
        """Rows the last step touched (0: it changed nothing); counted when asked, as a
        step may hold a million operations."""
        return len({op.row for op in self._last_ops})

    def set(self, row: int, column: str, value: object) -> None:
        """Set a cell inside a step; no operation when it already holds the value."""
        before = self._t.value(row, column)
        if not same(before, value):
            self.perform(SetCell(row, column, before, value))

    def perform(self, op: Operation) -> None:
        if self._pending is None:
            raise RuntimeError("an operation outside a step would escape undo")
        self.apply(op)
        self._pending.append(op)

    def take_back(self) -> None:
        """Undo what the step under way did so far, leaving it empty (a step called off)."""
        pending = self._pending or []
        for op in reversed(pending):
            self.apply(op.inverse())
        pending.clear()  # nothing to undo: nothing was done

    def undo(self) -> Step | None:
        """Undo the last step; returns it (its rows tell the grid where to go)."""
        step = self.history.pop_undo()
        if step is not None:
            for op in step.inverse().operations:
                self.apply(op)
        return step

    def redo(self) -> Step | None:
        step = self.history.pop_redo()
        if step is not None:
            for op in step.operations:
                self.apply(op)
        return step

    def apply(self, op: Operation) -> None:
        """Make one operation's change (without recording it)."""
        t, ov = self._t, self._t.overlay
        if isinstance(op, SetCell):
            self._set_cell(op)
        elif isinstance(op, AddRow):
            t.add_new(op.row, op.values, op.position)
            self._valid.validate_new_row(op.row)
        elif isinstance(op, DropRow):
            t.drop_new(op.row)
            self._valid.forget(op.row)
            self._valid.revalidate_new_keys()
        elif isinstance(op, MarkDeleted):
            ov.deletes[op.row] = None
        else:
            ov.deletes.pop(op.row, None)
        t.version += 1

    def _set_cell(self, op: SetCell) -> None:
        t = self._t
        if op.row < 0:
            t.overlay.inserts[op.row][op.column] = op.after
            if op.column in t.key:
                self._valid.revalidate_new_keys()
        else:
            t.store.add_column(op.column)
            t.overlay.set_cell(op.row, op.column, op.after, t.store.get(op.row, op.column))
        self._valid.validate(op.row, op.column)
