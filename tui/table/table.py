"""The table model: rows as loaded, the change set over them, undo, validation, views.

``Table`` is the one object the grid and the writeback engine use.  Rows are
addressed by row id: loaded rows by their load index (0, 1, ...), new rows by
negative ids (-1, -2, ...).  The grid addresses rows by position through the
view (``row_at``, ``visible_rows``), which maps positions to row ids after
sorting and filtering without copying any row.

Nothing here does I/O or knows about the screen.
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from tui.config.model import Column, Destination
from tui.config.reader import printable
from tui.table import order
from tui.table.cellcodec import decode_cells, encode_cells
from tui.table.changeset import Change, ChangeSet, status_line
from tui.table.history import (
    AddRow,
    DropRow,
    History,
    MarkDeleted,
    Operation,
    SetCell,
    Step,
    Unmark,
)
from tui.table.overlay import Overlay, same
from tui.table.store import Store
from tui.table.validate import check, format_value, infer_type, parse_text
from tui.table.view import Prepared, RowFilter, RowView

SNAPSHOT_FORMAT = 1


class State(StrEnum):
    CLEAN = "clean"
    CHANGED = "changed"
    NEW = "new"
    DELETED = "deleted"
    INVALID = "invalid"


class EditRefused(Exception):
    """An edit the table will not make; the message says why in words."""


@dataclass(frozen=True)
class RowOutcome:
    """What the writeback engine learned about one row it sent.

    ``status`` is "done", or "failed", "conflict" or "unknown" (the row stays
    pending with ``reason``).  ``values`` are what the server says the row now
    holds, e.g. a key it assigned to a new row.
    """

    row: int
    status: str
    values: Mapping[str, object] | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Rejected:
    """A change from a file or a diff that was not applied, and why."""

    change: Change
    reason: str

    def __str__(self) -> str:
        return printable(
            f"{self.change.where()}: {self.reason}"
        )  # values from a file may break lines


@dataclass(frozen=True)
class Counts:
    changed: int  # loaded rows with changed cells (not deleted)
    changed_values: int
    new: int
    deleted: int
    invalid: int  # cells that break a rule

    def __str__(self) -> str:
        return status_line(self.changed, self.new, self.deleted)


class Table:
    """Rows as loaded plus pending changes; see the module docstring."""

    def __init__(
        self,
        columns: Mapping[str, Column] | Iterable[Column] = (),
        key: Sequence[str] = (),
        *,
        read_only: str | None = None,
    ) -> None:
        cols = columns.values() if isinstance(columns, Mapping) else columns
        self.config: dict[str, Column] = {c.name: c for c in cols}
        self.key: tuple[str, ...] = tuple(key)
        self.read_only = read_only  # a reason, e.g. "locked by alice", or None
        self._store = Store([*self.key, *(n for n in self.config if n not in self.key)])
        self._overlay = Overlay()
        self._history = History()
        self._invalid: dict[int, dict[str, str]] = {}
        self._errors: dict[int, str] = {}
        self._keys: dict[object, int] = {}
        self._duplicates: dict[object, list[int]] = {}
        self._keyless: list[int] = []
        self._gone: set[int] = set()
        self._alive: array | None = None  # loaded ids still present, once some are gone
        self._new_order: list[int] | None = None
        self._rows = RowView(self)
        self._appends = 0  # versions that only added loaded rows
        self._types: dict[str, str] = {}
        self._pending: list[Operation] | None = None
        self._last_ops: tuple[Operation, ...] = ()  # what the last step did
        self._last_changed = False  # whether the last step changed anything
        self.version = 0  # bumps on every change, for journals and redraws

    @classmethod
    def for_destination(cls, destination: Destination, *, read_only: str | None = None) -> Table:
        reason = read_only or ("the destination is read-only" if destination.read_only else None)
        return cls(destination.columns, destination.key, read_only=reason)

    # ----------------------------------------------------------- loading

    def append_page(self, records: Sequence[Mapping[str, object]]) -> range:
        """Add a page of loaded rows; returns their row ids.  Keys are indexed as they arrive."""
        rows = self._store.append(records)
        self._index_keys(records, rows)
        if self._alive is not None:
            self._alive.extend(rows)
        if rows.start < 200:
            self._types.clear()  # inferred from the first rows; they just changed
        self.version += 1
        self._appends += 1
        self._rows.add_loaded(rows)
        return rows

    def _index_keys(self, records: Sequence[Mapping[str, object]], rows: range) -> None:
        if not self.key:
            return
        keys: Iterable[object]
        if len(self.key) == 1:
            keys = map(_key_part, (r.get(self.key[0]) for r in records))
        else:
            keys = (_key_tuple(tuple(r.get(k) for k in self.key)) for r in records)
        index, dups = self._keys, self._duplicates
        for row, k in zip(rows, keys, strict=True):
            if k is None:
                self._keyless.append(row)
                continue
            first = index.setdefault(k, row)
            if first != row:
                dups.setdefault(k, [first]).append(row)

    # ----------------------------------------------------------- reading

    @property
    def columns(self) -> list[str]:
        return self._store.columns

    @property
    def loaded_count(self) -> int:
        return self._store.row_count - len(self._gone)

    @property
    def row_count(self) -> int:
        """Rows in the table now: loaded (deleted ones included until written) plus new."""
        return self.loaded_count + len(self._overlay.inserts)

    def loaded_rows(self) -> Iterable[int]:
        """Ids of the loaded rows still present, in load order."""
        return self._alive if self._alive is not None else range(self._store.row_count)

    def value(self, row: int, column: str) -> object:
        """The current value: a pending change over the loaded value."""
        if row < 0:
            return self._overlay.inserts[row].get(column)
        cells = self._overlay.updates.get(row)
        if cells is not None and column in cells:
            return cells[column]
        return self._store.get(row, column)

    def loaded_value(self, row: int, column: str) -> object:
        """The value as loaded (None for new rows)."""
        return None if row < 0 else self._store.get(row, column)

    def text(self, row: int, column: str) -> str:
        """The current value as the grid shows it."""
        value = self.value(row, column)
        return "" if value is None else format_value(value, self.column_type(column))

    def record(self, row: int) -> dict[str, object]:
        """The current row: every column."""
        return {c: self.value(row, c) for c in self.columns}

    def loaded_record(self, row: int) -> dict[str, object]:
        return self._store.record(row)

    def key_of(self, row: int) -> dict[str, object]:
        """The row's key values (as loaded; as entered for new rows)."""
        read = self.value if row < 0 else self.loaded_value
        return {k: read(row, k) for k in self.key}

    def find(self, key: Mapping[str, object]) -> int | None:
        """The loaded row with this key, tolerating "7" for 7 where the column is numeric."""
        row = self._keys.get(self._lookup_key(key))
        if row is None and any(isinstance(key.get(k), str) for k in self.key):
            typed = {k: parse_text(str(key.get(k)), self.column_type(k)) for k in self.key}
            row = self._keys.get(self._lookup_key(typed))
        return None if row is None or row in self._gone else row

    def _lookup_key(self, key: Mapping[str, object]) -> object:
        if len(self.key) == 1:
            return _key_part(key.get(self.key[0]))
        return _key_tuple(tuple(key.get(k) for k in self.key))

    def exists(self, row: int) -> bool:
        if row < 0:
            return row in self._overlay.inserts
        return row < self._store.row_count and row not in self._gone

    def column_type(self, column: str) -> str:
        """The configured type, else one inferred from the first loaded values."""
        col = self.config.get(column)
        if col is not None and col.type:
            return col.type
        if column not in self._types:
            sample = [self._store.get(i, column) for i in range(min(self._store.row_count, 200))]
            self._types[column] = infer_type([v for v in sample if v is not None])
        return self._types[column]

    # ----------------------------------------------------------- state

    def state(self, row: int) -> State:
        """deleted > invalid > new > changed > clean."""
        if row in self._overlay.deletes:
            return State.DELETED
        if row in self._invalid:
            return State.INVALID
        if row < 0:
            if row not in self._overlay.inserts:
                raise KeyError(row)
            return State.NEW
        return State.CHANGED if row in self._overlay.updates else State.CLEAN

    def cell_state(self, row: int, column: str) -> State:
        if row in self._overlay.deletes:
            return State.DELETED
        bad = self._invalid.get(row)
        if bad is not None and column in bad:
            return State.INVALID
        if row < 0:
            return State.NEW
        cells = self._overlay.updates.get(row)
        return State.CHANGED if cells is not None and column in cells else State.CLEAN

    def cell_error(self, row: int, column: str) -> str | None:
        return self._invalid.get(row, {}).get(column)

    def row_error(self, row: int) -> str | None:
        """Why the last writeback of this row failed, or why its key is ambiguous."""
        if row in self._errors:
            return self._errors[row]
        if row >= 0 and self._duplicates:
            k = self._lookup_key(self.key_of(row))
            if k in self._duplicates:
                return f"duplicate key {_key_words(self.key_of(row))}"
        return None

    def problems(self) -> list[str]:
        """Every rule broken by a pending change, one line each; empty means ready to write."""
        lines = []
        new = {row: i for i, row in enumerate(self._new_rows())}
        place = {c: i for i, c in enumerate(self.columns)}
        for row in sorted(self._invalid, key=lambda r: (r < 0, new.get(r, r))):
            if row in self._overlay.deletes:
                continue
            cells = self._invalid[row]
            for column in sorted(cells, key=lambda c: place.get(c, len(place))):
                lines.append(f"{self._row_words(row)}, {column}: {cells[column]}")
        return lines

    def counts(self) -> Counts:
        ov = self._overlay
        invalid = sum(len(c) for r, c in self._invalid.items() if r not in ov.deletes)
        return Counts(ov.changed_rows, ov.changed_cells, len(ov.inserts), len(ov.deletes), invalid)

    @property
    def dirty(self) -> bool:
        """Unsaved changes (for the quit guard)."""
        return bool(self._overlay)

    def duplicate_keys(self) -> list[tuple[dict[str, object], list[int]]]:
        """Keys that more than one loaded row has, with those rows."""
        return [(self.key_of(rows[0]), rows) for rows in self._duplicates.values()]

    def key_problems(self) -> list[str]:
        """The loaded data's key trouble in words (duplicate or missing keys)."""
        lines = [
            f"key {_key_words(key)} is on {len(rows)} rows ({', '.join(map(str, rows[:5]))}"
            + (", ...)" if len(rows) > 5 else ")")
            for key, rows in self.duplicate_keys()
        ]
        if self._keyless:
            n = len(self._keyless)
            lines.append(
                f"{n} row{'s' if n != 1 else ''} without a value for "
                f"{', '.join(self.key)} (first: row {self._keyless[0]})"
            )
        return lines

    def _row_words(self, row: int) -> str:
        if row < 0:
            new = self._new_rows()
            return f"new row {new.index(row) + 1}" if row in new else f"new row {row}"
        if self.key:
            return f"row {_key_words(self.key_of(row))}"
        return f"row {row}"

    # ----------------------------------------------------------- editing

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

    def _check(self, row: int, column: str) -> None:
        reason = self.editable(row, column)
        if reason:
            raise EditRefused(reason)

    def edit(self, row: int, column: str, value: object) -> bool:
        """Set a cell; False when it already held that value.  Raises EditRefused."""
        self._check(row, column)
        with self._step(f"edit {column}"):
            self._set(row, column, value)
        return self._last_changed

    def edit_text(self, row: int, column: str, text: str) -> bool:
        """Set a cell from an editor's text, parsed by the column's type."""
        return self.edit(row, column, parse_text(text, self.column_type(column)))

    @property
    def last_step_rows(self) -> int:
        """Rows the last step touched (0: it changed nothing); counted when asked, as a
        step may hold a million operations."""
        return len({op.row for op in self._last_ops})

    @property
    def last_step_changed(self) -> bool:
        return self._last_changed

    def fill_down(self, rows: Sequence[int], columns: Sequence[str]) -> int:
        """Copy each column's value in ``rows[0]`` into the other rows; one undo step."""
        for _ in self.filling_down(rows, columns):
            pass
        return self.last_step_rows

    def filling_down(
        self, rows: Sequence[int], columns: Sequence[str], every: int = 5000
    ) -> Iterator[int]:
        """`fill_down` in slices of `every` cells, yielding the cells done so far, so a
        caller can let the screen run in between; closed early, it takes back what it did."""

        def targets() -> Iterator[tuple[int, int, str]]:
            count = 0
            for row in itertools.islice(rows, 1, None):
                for column in columns:
                    count += 1
                    yield count, row, column

        for count, row, column in targets():
            self._check(row, column)  # every cell may be changed, or none is
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
                pending = self._pending or []
                for op in reversed(pending):
                    self._apply(op.inverse())
                pending.clear()  # nothing to undo: nothing was done
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
        if len(block) > len(rows) or any(len(line) > len(columns) for line in block):
            raise EditRefused(
                f"the block is {len(block)}x{max(map(len, block), default=0)} "
                f"but only {len(rows)}x{len(columns)} cells are there"
            )
        cells = [
            (rows[i], columns[j], value)
            for i, line in enumerate(block)
            for j, value in enumerate(line)
        ]
        for row, column, _ in cells:
            self._check(row, column)
        with self._step(f"paste {len(block)}x{max(map(len, block), default=0)}"):
            for row, column, value in cells:
                if parse:
                    value = parse_text(str(value), self.column_type(column))
                self._set(row, column, value)
        return self.last_step_rows

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

    def _new_row_refusal(self, column: str) -> str | None:
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

    def delete_rows(self, rows: Iterable[int]) -> int:
        """Mark loaded rows deleted and drop new ones; one undo step; returns how many."""
        if self.read_only:
            raise EditRefused(self.read_only)
        rows = [r for r in dict.fromkeys(rows) if self.exists(r)]
        with self._step(f"delete {_count(len(rows), 'row')}"):
            for row in rows:
                if row < 0:
                    values, where = self._overlay.inserts[row], self._new_rows().index(row)
                    self._perform(DropRow(row, dict(values), where))
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
                    values, where = self._overlay.inserts[row], self._new_rows().index(row)
                    self._perform(DropRow(row, dict(values), where))
                    continue
                if row in self._overlay.deletes:
                    self._perform(Unmark(row))
                for column in list(self._overlay.updates.get(row, ())):
                    self._set(row, column, self._store.get(row, column))
        return self.last_step_rows

    # ----------------------------------------------------------- undo

    def undo(self) -> Step | None:
        """Undo the last step; returns it (its rows tell the grid where to go)."""
        step = self._history.pop_undo()
        if step is not None:
            for op in step.inverse().operations:
                self._apply(op)
        return step

    def redo(self) -> Step | None:
        step = self._history.pop_redo()
        if step is not None:
            for op in step.operations:
                self._apply(op)
        return step

    @property
    def history(self) -> History:
        return self._history

    @contextmanager
    def _step(self, label: str) -> Iterator[None]:
        # Operations are applied as they are made, so each sees the state the
        # previous one left (positions of dropped rows, values set twice).
        self._pending = []
        self._last_changed = False
        try:
            yield
        finally:
            ops, self._pending = self._pending, None
            self._last_ops = tuple(ops)
            self._last_changed = bool(ops)
            self._history.record(Step(label, self._last_ops))

    def _set(self, row: int, column: str, value: object) -> None:
        before = self.value(row, column)
        if not same(before, value):
            self._perform(SetCell(row, column, before, value))

    def _perform(self, op: Operation) -> None:
        if self._pending is None:
            raise RuntimeError("an operation outside a step would escape undo")
        self._apply(op)
        self._pending.append(op)

    def _apply(self, op: Operation) -> None:
        ov = self._overlay
        if isinstance(op, SetCell):
            if op.row < 0:
                ov.inserts[op.row][op.column] = op.after
                if op.column in self.key:
                    self._revalidate_new_keys()
            else:
                self._store.add_column(op.column)
                ov.set_cell(op.row, op.column, op.after, self._store.get(op.row, op.column))
            self._validate(op.row, op.column)
        elif isinstance(op, AddRow):
            ov.add(op.row, op.values, op.position)
            self._rows_changed()
            self._rows.append(op.row)
            self._validate_new_row(op.row)
        elif isinstance(op, DropRow):
            ov.drop(op.row)
            self._invalid.pop(op.row, None)
            self._errors.pop(op.row, None)
            self._rows_changed()
            self._rows.remove(op.row)
            self._revalidate_new_keys()
        elif isinstance(op, MarkDeleted):
            ov.deletes[op.row] = None
        else:
            ov.deletes.pop(op.row, None)
        self.version += 1

    def _rows_changed(self) -> None:
        self._new_order = None

    def _new_rows(self) -> list[int]:
        if self._new_order is None:
            self._new_order = list(self._overlay.inserts)
        return self._new_order

    # ----------------------------------------------------------- validation

    def _validate(self, row: int, column: str) -> None:
        if row >= 0 and column not in self._overlay.updates.get(row, ()):
            message = None
        else:
            message = check(
                self.config.get(column),
                self.value(row, column),
                required=self._required(row, column),
            )
            if message is None and row < 0 and column in self.key:
                message = self._key_clash(row)
        cells = self._invalid.get(row)
        if message:
            self._invalid.setdefault(row, {})[column] = message
        elif cells is not None and column in cells:
            del cells[column]
            if not cells:
                del self._invalid[row]

    def _required(self, row: int, column: str) -> bool:
        # New rows need their key unless the server assigns it (a read-only key column).
        if row >= 0 or column not in self.key:
            return False
        col = self.config.get(column)
        return not (col is not None and col.read_only)

    def _validate_new_row(self, row: int) -> None:
        for column in self.columns:
            self._validate(row, column)
        self._revalidate_new_keys()

    def _revalidate_new_keys(self) -> None:
        # Another new row's key can start or stop clashing with this one.
        for other in self._overlay.inserts:
            for column in self.key:
                self._validate(other, column)

    def _key_clash(self, row: int) -> str | None:
        key = self.key_of(row)
        if any(v is None for v in key.values()):
            return None
        if self.find(key) is not None:
            return f"a row with key {_key_words(key)} exists"
        lookup = self._lookup_key(key)
        for other in self._overlay.inserts:
            if other != row and self._lookup_key(self.key_of(other)) == lookup:
                return f"another new row has key {_key_words(key)}"
        return None

    # ----------------------------------------------------------- change set

    def changes(self) -> ChangeSet:
        """The pending changes: inserts, then updates and deletes in row order."""
        ov, out = self._overlay, []
        for row, values in ov.inserts.items():
            out.append(
                Change("insert", row=row, values={k: v for k, v in values.items() if v is not None})
            )
        for row in sorted(ov.updates):
            if row not in ov.deletes:
                cells = ov.updates[row]
                was = {c: self._store.get(row, c) for c in cells}
                out.append(
                    Change("update", row=row, key=self.key_of(row), set=dict(cells), was=was)
                )
        for row in sorted(ov.deletes):
            out.append(Change("delete", row=row, key=self.key_of(row)))
        return ChangeSet(tuple(out), keyed=bool(self.key))

    def apply_changes(self, changes: Iterable[Change]) -> list[Rejected]:
        """Apply changes from a file or a diff as one undo step; returns those refused."""
        rejected = []
        with self._step("apply changes"):
            for change in changes:
                reason = self._apply_change(change)
                if reason:
                    rejected.append(Rejected(change, reason))
        return rejected

    def _apply_change(self, change: Change) -> str | None:
        if self.read_only:
            return self.read_only
        if change.op == "insert":
            return self._apply_insert(change)
        row = self._locate(change)
        if row is None:
            return (
                f"no row with key {_key_words(change.key)}" if self.key else f"no row {change.row}"
            )
        if change.op == "delete":
            if row not in self._overlay.deletes:
                self._perform(MarkDeleted(row))
            return None
        reasons = [self.editable(row, c) for c in change.set]
        reasons += [self._conflict(row, c, v) for c, v in change.was.items()]
        reason = next((r for r in reasons if r), None)
        if reason:
            return reason
        for column, value in change.set.items():
            self._set(row, column, value)
        return None

    def _apply_insert(self, change: Change) -> str | None:
        for column in change.values:
            reason = self._new_row_refusal(column)
            if reason:
                return reason
        key = {k: change.values.get(k) for k in self.key}
        if self.key and all(v is not None for v in key.values()) and self.find(key) is not None:
            return f"a row with key {_key_words(key)} exists"
        row = self._overlay.new_id()
        self._perform(AddRow(row, dict(change.values), len(self._overlay.inserts)))
        return None

    def _locate(self, change: Change) -> int | None:
        if self.key:
            return self.find(change.key)
        row = change.row
        return row if row is not None and row >= 0 and self.exists(row) else None

    def _conflict(self, row: int, column: str, was: object) -> str | None:
        if column not in self.columns:
            return f"no column {column}"
        loaded = self._store.get(row, column)
        if same(loaded, was):
            return None
        return f"conflict: {column} is {loaded!r} on the server, the change expected {was!r}"

    def diff(self, desired: Iterable[Mapping[str, object]], first_line: int = 1) -> list[Change]:
        """The changes that turn the rows as loaded into ``desired`` (by key)."""
        from tui.table.diff import diff_rows

        return diff_rows(self, desired, first_line)

    # ----------------------------------------------------------- writeback results

    def apply_results(self, outcomes: Iterable[RowOutcome]) -> dict[int, int]:
        """Fold rows written back into the loaded state; keep failed ones pending.

        Returns the new row id of each new row that was written (it becomes a
        loaded row).  The undo history is cleared: a writeback is a checkpoint,
        and undoing past it would silently revert the server.
        """
        moved: dict[int, int] = {}
        for outcome in outcomes:
            if outcome.status == "done":
                new = self._done(outcome.row, dict(outcome.values or {}))
                if new is not None:
                    moved[outcome.row] = new
            else:
                self._errors[outcome.row] = outcome.reason or outcome.status
        self._history.clear()
        self.version += 1
        return moved

    def _done(self, row: int, server: dict[str, object]) -> int | None:
        self._errors.pop(row, None)
        self._invalid.pop(row, None)
        if row < 0:
            values = {**self._overlay.inserts.pop(row), **self._typed_keys(server)}
            self._rows_changed()
            new = self._store.append([values]).start
            self._index_keys([values], range(new, new + 1))
            if self._alive is not None:
                self._alive.append(new)
            self._rows.replace(row, new)
            self._revalidate_new_keys()
            return new
        if row in self._overlay.deletes:
            self._overlay.forget(row)
            self._forget_loaded(row)
            return None
        for column, value in {**self._overlay.updates.get(row, {}), **server}.items():
            self._store.set(row, column, value)
        self._overlay.forget(row)
        return None

    def _typed_keys(self, server: dict[str, object]) -> dict[str, object]:
        """A key the server gave as text (from a Location URL) typed like its column."""
        return {
            k: parse_text(v, self.column_type(k)) if k in self.key and isinstance(v, str) else v
            for k, v in server.items()
        }

    def _forget_loaded(self, row: int) -> None:
        key = self._lookup_key(self.key_of(row)) if self.key else None
        if key is not None and self._keys.get(key) == row:
            del self._keys[key]
        if self._alive is None:
            self._alive = order.id_range(self._store.row_count)
        del self._alive[bisect.bisect_left(self._alive, row)]
        self._gone.add(row)
        self._rows.remove(row)

    def set_loaded(self, row: int, values: Mapping[str, object]) -> None:
        """The server's current values for a loaded row (after a conflict or reload).

        Pending cells now equal to the loaded value stop being changes; others stay.
        """
        pending = dict(self._overlay.updates.get(row, {}))
        for column, value in values.items():
            self._store.set(row, column, value)
        self._overlay.changed_cells -= len(self._overlay.updates.pop(row, {}))
        for column, value in pending.items():
            self._overlay.set_cell(row, column, value, self._store.get(row, column))
            self._validate(row, column)
        self.version += 1

    def clear_error(self, row: int) -> None:
        self._errors.pop(row, None)

    # ----------------------------------------------------------- snapshot

    def snapshot(self) -> dict[str, object]:
        """The change set as plain JSON-able data, for a journal."""
        ov = self._overlay
        ident = self.ident
        return {
            "format": SNAPSHOT_FORMAT,
            "key": list(self.key),
            "next_new": ov.next_new,
            "updates": [
                {
                    **ident(row),
                    "set": encode_cells(cells),
                    "was": encode_cells({c: self._store.get(row, c) for c in cells}),
                }
                for row, cells in ov.updates.items()
            ],
            "inserts": [{"row": row, "values": encode_cells(v)} for row, v in ov.inserts.items()],
            "deletes": [ident(row) for row in ov.deletes],
            "errors": [{**ident(row), "reason": reason} for row, reason in self._errors.items()],
        }

    def ident(self, row: int) -> dict[str, object]:
        """How a journal names a row: by key where the table has one (new rows by id)."""
        if self.key and row >= 0:
            return {"key": encode_cells(self.key_of(row))}
        return {"row": row}

    def restore(self, data: Mapping[str, object]) -> list[str]:
        """Replace the change set with a snapshot; returns what could not be restored as it was.

        Rows are found by key (by row id without keys).  A row whose loaded
        value moved on since the snapshot keeps the edit and is reported.
        """
        if data.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"unknown snapshot format {data.get('format')!r}")
        self._reset_changes()
        problems: list[str] = []
        for item in data["updates"]:  # type: ignore[attr-defined]
            self._restore_update(item, problems)
        for item in data["inserts"]:  # type: ignore[attr-defined]
            row = int(item["row"])
            self._overlay.add(row, decode_cells(item["values"]), len(self._overlay.inserts))
            self._rows.append(row)
        self._overlay.next_new = min(self._overlay.next_new, int(data["next_new"]))  # type: ignore[call-overload]
        for item in data["deletes"]:  # type: ignore[attr-defined]
            row = self._restore_row(item, problems)
            if row is not None:
                self._overlay.deletes[row] = None
        for item in data.get("errors", []):  # type: ignore[attr-defined]
            row = self._restore_row(item, [])
            if row is not None:
                self._errors[row] = item["reason"]
        self._rows_changed()
        for row in self._overlay.inserts:
            for column in self.columns:
                self._validate(row, column)
        self._revalidate_new_keys()  # once, not per row: restoring stays linear
        self.version += 1
        return problems

    def _reset_changes(self) -> None:
        for row in list(self._overlay.inserts):
            self._rows.remove(row)
        self._overlay.clear()
        self._invalid.clear()
        self._errors.clear()
        self._history.clear()
        self._rows_changed()

    def _restore_row(self, item: Mapping[str, object], problems: list[str]) -> int | None:
        if "key" in item:
            key = decode_cells(item["key"])  # type: ignore[arg-type]
            row = self.find(key)
            where = f"row {_key_words(key)}"
        else:
            row = int(item["row"])  # type: ignore[call-overload]
            row = row if self.exists(row) else None
            where = f"row {item['row']}"
        if row is None:
            problems.append(f"{where} is no longer there; its change was not restored")
        return row

    def _restore_update(self, item: Mapping[str, object], problems: list[str]) -> None:
        row = self._restore_row(item, problems)
        if row is None:
            return
        was = decode_cells(item.get("was", {}))  # type: ignore[arg-type]
        for column, value in decode_cells(item["set"]).items():  # type: ignore[arg-type]
            self._store.add_column(column)
            loaded = self._store.get(row, column)
            if column in was and not same(was[column], loaded):
                problems.append(
                    f"{self._row_words(row)}, {column}: changed on the server since the edit "
                    f"(was {was[column]!r}, now {loaded!r}); your value is kept"
                )
            self._overlay.set_cell(row, column, value, loaded)
            self._validate(row, column)

    # ----------------------------------------------------------- views

    @property
    def sorted_by(self) -> tuple[str, bool] | None:
        return self._rows.sort

    @property
    def filtered(self) -> bool:
        return self._rows.filter is not None

    @property
    def row_filter(self) -> RowFilter | None:
        return self._rows.filter

    @property
    def view_stale(self) -> bool:
        """Rows arrived or changed since the last sort."""
        return self._rows.stale

    @property
    def visible_count(self) -> int:
        return self._rows.count

    def row_at(self, position: int) -> int:
        """The row id shown at a position of the grid."""
        return self._rows.row_at(position)

    def visible_rows(self, start: int, stop: int) -> list[int]:
        """Row ids at positions start..stop-1 (clipped), for the rows on screen."""
        return self._rows.rows(start, stop)

    def position_of(self, row: int) -> int | None:
        """Where the grid shows a row, or None when the view hides it."""
        return self._rows.position_of(row)

    def prepare_view(
        self,
        sort: tuple[str, bool] | None,
        where: RowFilter | None,
        tick: order.Tick = order.no_tick,
    ) -> Prepared:
        """A view computed without changing the table (safe in another thread while
        pages load; `tick` may raise order.Cancelled between slices of the work)."""
        return self._rows.prepare(sort, where, tick)

    def use_view(self, prepared: Prepared) -> bool:
        """Put a prepared view in place; False when the table was edited meanwhile."""
        return self._rows.use(prepared)

    def sort(self, column: str, descending: bool = False) -> None:
        """Order the view by a column's current values (nulls last)."""
        self.use_view(self.prepare_view((column, descending), self._rows.filter))

    def filter(
        self,
        text: str | None = None,
        column: str | None = None,
        where: Callable[[object], bool] | None = None,
    ) -> int:
        """Show only rows whose ``column`` (any column) contains ``text``, or passes ``where``.

        Returns how many rows are shown.
        """
        if where is not None and column is None:
            raise ValueError("a predicate filter needs a column")
        row_filter = RowFilter(text, column, where) if text or where else None
        self.use_view(self.prepare_view(self._rows.sort, row_filter))
        return self.visible_count

    def clear_view(self) -> None:
        """Natural order, no filter."""
        self._rows.clear()

    def clear_sort(self) -> None:
        self.use_view(self.prepare_view(None, self._rows.filter))

    def clear_filter(self) -> None:
        self.use_view(self.prepare_view(self._rows.sort, None))

    def search(
        self,
        text: str,
        start: int,
        *,
        backwards: bool = False,
        column: str | None = None,
        tick: order.Tick = order.no_tick,
    ) -> int | None:
        """The next position after ``start`` (wrapping) whose row contains ``text``."""
        return self._rows.search(text, start, backwards=backwards, column=column, tick=tick)

    # ----------------------------------------------------------- for the table's parts

    @property
    def store(self) -> Store:
        return self._store

    @property
    def overlay(self) -> Overlay:
        return self._overlay

    @property
    def store_rows(self) -> int:
        """Rows loaded so far, written and gone ones included (the store's row ids)."""
        return self._store.row_count

    @property
    def alive_ids(self) -> array | None:
        return self._alive

    @property
    def gone(self) -> set[int]:
        return self._gone

    @property
    def edits(self) -> int:
        """Changes other than loading, counted: a view computed meanwhile is stale."""
        return self.version - self._appends

    def new_rows(self) -> list[int]:
        return self._new_rows()


def _key_part(value: object) -> object:
    # Keys compare by value: a key loaded as 7.0 is the key 7.
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def _key_tuple(parts: tuple[object, ...]) -> tuple[object, ...] | None:
    if any(p is None for p in parts):
        return None
    return tuple(map(_key_part, parts))


def _key_words(key: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in key.items())


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
