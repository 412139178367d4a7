"""Edits a person makes, each one undoable step: cells, fill down, paste, rows added,
deleted or reverted; and undo and redo.

An edit is checked first (read-only table, column or key; deleted row) and
refused whole with ``EditRefused``; then it is made as one ``UndoStep`` of small
reversible operations, each applied as it is made (so each sees the state the
previous one left) and recorded in the ``History``.  An operation says what it
did in terms of current values (``before`` and ``after``), not of the change
set, so undoing simply sets the old value again, and the overlay's own rule (a
value equal to the loaded one is no change) keeps the marks right.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from tui.config.model import Column
from tui.table.checks import CheckedRows
from tui.table.rows import same
from tui.table.types import parse_text

# Dropped steps of more operations than this are freed on a thread, in slices: freeing
# a million operations at once would hold the interpreter, and the screen, that long.
FREE_AT_ONCE = 20_000
_SLICE = 4096  # operations freed per call; the interpreter can switch threads in between


# ----------------------------------------------------------------- operations and steps


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


EditOp = SetCell | AddRow | DropRow | MarkDeleted | Unmark


@dataclass(frozen=True)
class UndoStep:
    """One undoable user action, e.g. "paste 3x2" or "delete 4 rows"."""

    label: str
    operations: Sequence[EditOp] = field(default_factory=tuple)  # not changed once made

    def inverse(self) -> UndoStep:
        return UndoStep(self.label, tuple(op.inverse() for op in reversed(self.operations)))

    @property
    def rows(self) -> list[int]:
        """Rows the step touched, in order, each once (to move the cursor there)."""
        return list(dict.fromkeys(op.row for op in self.operations))


class History:
    """Two stacks of steps; a new step forgets what could be redone."""

    def __init__(self, limit: int = 1000) -> None:
        self._undo: deque[UndoStep] = deque(maxlen=limit)
        self._redo: list[UndoStep] = []

    def record(self, step: UndoStep) -> None:
        if step.operations:
            self._undo.append(step)
            dropped, self._redo = self._redo, []
            if sum(len(s.operations) for s in dropped) > FREE_AT_ONCE:
                threading.Thread(
                    target=_free_in_slices, args=(dropped,), name="free-steps", daemon=True
                ).start()

    def pop_undo(self) -> UndoStep | None:
        """The step to undo (as done), moved to the redo stack."""
        if not self._undo:
            return None
        step = self._undo.pop()
        self._redo.append(step)
        return step

    def pop_redo(self) -> UndoStep | None:
        """The step to redo (as done), moved back to the undo stack."""
        if not self._redo:
            return None
        step = self._redo.pop()
        self._undo.append(step)
        return step

    @property
    def undo_label(self) -> str | None:
        """What undo would take back, or None when there is nothing to undo."""
        return self._undo[-1].label if self._undo else None

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()


def _free_in_slices(steps: list[UndoStep]) -> None:
    """Let go of steps that can no longer be redone, a slice of operations at a time."""
    while steps:
        operations = list(steps.pop().operations)  # the step goes; the list holds its ops
        while operations:
            del operations[-_SLICE:]


class EditRefused(Exception):
    """An edit the table will not make; the message says why in words."""


# ----------------------------------------------------------------- the edits


class EditableRows(CheckedRows):
    """Rows a person edits, in undoable steps; see the module docstring."""

    def __init__(
        self,
        columns: Mapping[str, Column] | Iterable[Column] = (),
        key: Sequence[str] = (),
        *,
        read_only: str | None = None,
    ) -> None:
        super().__init__(columns, key, read_only=read_only)
        self.history = History()
        self._step_ops: list[EditOp] | None = None  # the step under way
        self._last_ops: Sequence[EditOp] = ()  # what the last step did
        self._last_changed = False
        # operations made since a journal last took them (steps, undos, redos), in order
        self._unjournaled: list[Sequence[EditOp]] = []
        # a change outside any step (writeback results, a restore): the journal needs it whole
        self.journal_whole = False
        self._errors_cleared: list[int] = []  # rows whose writeback error the user cleared

    # ----------------------------------------------------------- what may be edited

    def editable(self, row: int, column: str) -> str | None:
        """Why this cell cannot be edited, or None when it can."""
        if self.read_only:
            return self.read_only
        if column not in self.config and column not in self.columns:
            return f"no column {column}"
        if not self.exists(row):
            return "no such row"
        if row in self._overlay.deletes:
            return "the row is deleted; undelete it to edit"
        col = self.config.get(column)
        if col is not None and col.read_only:
            if column in self.key:
                return f"{column} is assigned by the server"
            return f"{column} is read-only"
        if column in self.key and row >= 0:
            return f"{column} is a key column; keys of loaded rows cannot change"
        return None

    def _new_row_refusal(self, column: str) -> str | None:
        """Why a new row cannot be given a value for ``column``, or None."""
        col = self.config.get(column)
        if column not in self.config and column not in self.columns:
            return f"no column {column}"
        if col is not None and col.read_only:
            return (
                f"{column} is assigned by the server"
                if column in self.key
                else f"{column} is read-only"
            )
        return None

    def _refuse_unless_editable(self, row: int, column: str) -> None:
        reason = self.editable(row, column)
        if reason:
            raise EditRefused(reason)

    # ----------------------------------------------------------- cells

    def edit(self, row: int, column: str, value: object) -> bool:
        """Set a cell; False when it already held that value.  Raises EditRefused."""
        self._refuse_unless_editable(row, column)
        with self._step(f"edit {column}"):
            self._set(row, column, value)
        return self._last_changed

    def edit_text(self, row: int, column: str, text: str) -> bool:
        """Set a cell from an editor's text, parsed by the column's type."""
        return self.edit(row, column, parse_text(text, self.column_type(column)))

    def fill_down(self, rows: Sequence[int], columns: Sequence[str]) -> int:
        """Copy each column's value in ``rows[0]`` into the other rows; one undo step."""
        for _ in self.filling_down(rows, columns):
            pass
        return self.last_step_rows

    def filling_down(
        self, rows: Sequence[int], columns: Sequence[str], every: int = 5000
    ) -> Iterator[int]:
        """Copy each column's value in ``rows[0]`` into the other rows as one undo step, in
        slices of `every` cells, yielding the cells done so far, so a caller can let the
        screen run in between; closed early, it takes back what it did."""

        def targets() -> Iterator[tuple[int, int, str]]:
            count = 0
            for row in itertools.islice(rows, 1, None):
                for column in columns:
                    count += 1
                    yield count, row, column

        for count, row, column in targets():
            self._refuse_unless_editable(row, column)  # every cell may be changed, or none is
            if not count % every:
                yield 0
        sources = {c: self.value(rows[0], c) for c in columns}
        with self._step("fill down"):
            try:
                for count, row, column in targets():
                    self._set(row, column, sources[column])
                    if not count % every:
                        yield count
            except GeneratorExit:
                self._take_back()
                raise

    def paste(
        self,
        rows: Sequence[int],
        columns: Sequence[str],
        block: Sequence[Sequence[object]],
        *,
        parse: bool = False,
    ) -> int:
        """Write ``block[i][j]`` into (rows[i], columns[j]); one undo step.

        With ``parse`` the block holds text (a clipboard) and each cell is read
        by its column's type.  All target cells are checked before any is set.
        """
        size = f"{len(block)}x{max(map(len, block), default=0)}"
        if len(block) > len(rows) or any(len(line) > len(columns) for line in block):
            raise EditRefused(
                f"the block is {size} but only {len(rows)}x{len(columns)} cells are there"
            )
        cells = [
            (rows[i], columns[j], value)
            for i, line in enumerate(block)
            for j, value in enumerate(line)
        ]
        for row, column, _ in cells:
            self._refuse_unless_editable(row, column)
        with self._step(f"paste {size}"):
            for row, column, value in cells:
                if parse:
                    value = parse_text(str(value), self.column_type(column))
                self._set(row, column, value)
        return self.last_step_rows

    # ----------------------------------------------------------- rows

    def add_row(
        self, values: Mapping[str, object] | None = None, position: int | None = None
    ) -> int:
        """A new row (at ``position`` among the new rows, default last); returns its id."""
        values = dict(values or {})
        if self.read_only:
            raise EditRefused(self.read_only)
        for column in values:
            reason = self._new_row_refusal(column)
            if reason:
                raise EditRefused(reason)
        row = self._overlay.new_id()
        where = len(self._overlay.inserts) if position is None else position
        with self._step("add row"):
            self._perform(AddRow(row, values, where))
        return row

    def delete_rows(self, rows: Iterable[int]) -> int:
        """Mark loaded rows deleted and drop new ones; one undo step; returns how many."""
        if self.read_only:
            raise EditRefused(self.read_only)
        rows = [r for r in dict.fromkeys(rows) if self.exists(r)]
        with self._step(f"delete {_count(len(rows), 'row')}"):
            for row in rows:
                if row < 0:
                    self._perform_drop(row)
                elif row not in self._overlay.deletes:
                    self._perform(MarkDeleted(row))
        return self.last_step_rows

    def undelete_rows(self, rows: Iterable[int]) -> int:
        rows = [r for r in dict.fromkeys(rows) if r in self._overlay.deletes]
        with self._step(f"undelete {_count(len(rows), 'row')}"):
            for row in rows:
                self._perform(Unmark(row))
        return self.last_step_rows

    def revert_rows(self, rows: Iterable[int]) -> int:
        """Throw away the pending changes of these rows; one undo step."""
        rows = [r for r in dict.fromkeys(rows) if self.exists(r)]
        with self._step(f"revert {_count(len(rows), 'row')}"):
            for row in rows:
                if row < 0:
                    self._perform_drop(row)
                    continue
                if row in self._overlay.deletes:
                    self._perform(Unmark(row))
                for column in list(self._overlay.updates.get(row, ())):
                    self._set(row, column, self._store.get(row, column))
        return self.last_step_rows

    def _perform_drop(self, row: int) -> None:
        values, where = self._overlay.inserts[row], self.new_rows().index(row)
        self._perform(DropRow(row, dict(values), where))

    # ----------------------------------------------------------- undo and redo

    def undo(self) -> UndoStep | None:
        """Undo the last step; returns it (its rows tell the grid where to go)."""
        step = self.history.pop_undo()
        if step is not None:
            inverse = step.inverse().operations
            for op in inverse:
                self._apply(op)
            self._unjournaled.append(inverse)
        return step

    def redo(self) -> UndoStep | None:
        step = self.history.pop_redo()
        if step is not None:
            for op in step.operations:
                self._apply(op)
            self._unjournaled.append(step.operations)
        return step

    @property
    def last_step_rows(self) -> int:
        """Rows the last step touched (0: it changed nothing); counted when asked, as a
        step may hold a million operations."""
        return len({op.row for op in self._last_ops})

    @property
    def last_step_changed(self) -> bool:
        return self._last_changed

    # ----------------------------------------------------------- steps and operations

    @contextmanager
    def _step(self, label: str) -> Iterator[None]:
        """Operations performed inside are one undo step called ``label``."""
        self._step_ops = []
        self._last_changed = False
        try:
            yield
        finally:
            ops, self._step_ops = self._step_ops, None
            self._last_ops = ops  # kept as it is: a big step is not copied
            self._last_changed = bool(ops)
            self.history.record(UndoStep(label, ops))
            if ops:
                self._unjournaled.append(ops)

    def _set(self, row: int, column: str, value: object) -> None:
        """Set a cell inside a step; no operation when it already holds the value."""
        before = self.value(row, column)
        if not same(before, value):
            self._perform(SetCell(row, column, before, value))

    def _perform(self, op: EditOp) -> None:
        if self._step_ops is None:
            raise RuntimeError("an operation outside a step would escape undo")
        self._apply(op)
        self._step_ops.append(op)

    def _take_back(self) -> None:
        """Undo what the step under way did so far, leaving it empty (a step called off)."""
        ops = self._step_ops or []
        for op in reversed(ops):
            self._apply(op.inverse())
        ops.clear()  # nothing to undo: nothing was done

    def _apply(self, op: EditOp) -> None:
        """Make one operation's change (without recording it)."""
        if isinstance(op, SetCell):
            self._apply_set_cell(op)
        elif isinstance(op, AddRow):
            self._add_new(op.row, op.values, op.position)
            self._validate_new_row(op.row)
        elif isinstance(op, DropRow):
            self._drop_new(op.row)
            self._invalid.pop(op.row, None)
            self._revalidate_new_keys()
        elif isinstance(op, MarkDeleted):
            self._overlay.deletes[op.row] = None
        else:
            self._overlay.deletes.pop(op.row, None)
        self.version += 1

    def _apply_set_cell(self, op: SetCell) -> None:
        if op.row < 0:
            self._overlay.inserts[op.row][op.column] = op.after
            if op.column in self.key:
                self._revalidate_new_keys()
        else:
            self._store.add_column(op.column)
            self._overlay.set_cell(op.row, op.column, op.after, self._store.get(op.row, op.column))
        self._validate(op.row, op.column)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
