"""The change set: the pending changes out of the table and back in.

Out: ``changes()`` lists what a writeback would send, one ``Change`` a row, in
the shape of a line of the JSON Lines change file of ``writeback push --changes``::

    {"op": "update", "key": {"id": 7}, "set": {"qty": 70}, "was": {"qty": 30}}
    {"op": "insert", "values": {"id": 101, "name": "new"}}
    {"op": "delete", "key": {"id": 9}}

(where a destination has no key columns, ``"row": N``, the load index, takes the
place of ``key``; ``tui.table.changefile`` reads such files).  ``snapshot()``
is the change set as plain JSON-able data for a journal, rows named by key so
it restores onto the rows as loaded again later.

In: ``apply_changes`` makes the changes of a file or a diff as one undo step,
refusing each one that does not fit (no such row, a conflicting ``was``, a
read-only column); ``apply_results`` folds what a writeback learned into the
rows as loaded (rows written become loaded rows, failed ones stay pending with
the reason); ``restore`` puts a journal's snapshot back.  A writeback and a
restore are checkpoints: the undo history is cleared, as undoing past a
writeback would silently revert the server.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeGuard

from tui.config.model import OPS, Column, Op, WriteStatus
from tui.config.reader import printable
from tui.table.carry import Carried, CarriedRow
from tui.table.checks import Counts
from tui.table.edits import AddRow, DropRow, EditableRows, EditOp, MarkDeleted, SetCell
from tui.table.keys import key_words
from tui.table.rows import same
from tui.table.types import parse_text

SNAPSHOT_FORMAT = 1


def is_op(value: object) -> TypeGuard[Op]:
    return value in OPS


@dataclass(frozen=True)
class Change:
    """One row's pending change, in the shape of a change file line.

    ``row`` is the row id in the table; a line read from a keyed change file
    names its row by ``key`` only, and has no ``row`` until it is applied.
    """

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


@dataclass(frozen=True)
class TakenSteps:
    """Operations taken for the journal, encoded when asked (see ``take_ops``)."""

    rows: ChangeSetRows
    batches: list[Sequence[EditOp]]
    cleared: list[int]  # rows whose writeback error was cleared

    @property
    def size(self) -> int:
        return sum(map(len, self.batches)) + len(self.cleared)

    def encode(self) -> list[list[object]]:
        """Each operation as a record: reads only what stays put while the table is
        edited on (keys of loaded rows, loaded values)."""
        idents: dict[int, dict[str, object]] = {}
        out = [self._record(op, idents) for ops in self.batches for op in ops]
        out += [["e", idents.get(row) or self.rows.ident(row)] for row in self.cleared]
        return out

    def _record(self, op: EditOp, idents: dict[int, dict[str, object]]) -> list[object]:
        row, rows = op.row, self.rows
        if isinstance(op, SetCell):
            if row < 0:
                return ["n", row, op.column, encode_value(op.after)]
            ident = idents.get(row) or idents.setdefault(row, rows.ident(row))
            loaded = rows.loaded_value(row, op.column)
            changed = not same(op.after, loaded)
            return ["s", ident, op.column, encode_value(op.after), encode_value(loaded), changed]
        if isinstance(op, AddRow):
            return ["a", row, op.position, encode_cells(op.values)]
        if isinstance(op, DropRow):
            return ["r", row]
        ident = idents.get(row) or idents.setdefault(row, rows.ident(row))
        return ["d" if isinstance(op, MarkDeleted) else "u", ident]


class ChangeSetRows(EditableRows):
    """Rows whose pending changes go out as a change set and come back in; see the module
    docstring."""

    def __init__(
        self,
        columns: Mapping[str, Column] | Iterable[Column] = (),
        key: Sequence[str] = (),
        *,
        read_only: str | None = None,
    ) -> None:
        super().__init__(columns, key, read_only=read_only)
        self._carried = Carried()  # changes of rows not loaded (yet)

    @property
    def dirty(self) -> bool:
        return bool(self._overlay) or bool(self._carried)

    def counts(self) -> Counts:
        """The overlay's counts plus the carried rows': a reload shows every pending change."""
        counts, carried = super().counts(), self._carried
        if not carried:
            return counts
        return Counts(
            counts.changed + carried.changed,
            counts.changed_values + carried.changed_values,
            counts.new,
            counts.deleted + carried.deleted,
            counts.invalid,
        )

    # ----------------------------------------------------------- out

    def changes(self) -> ChangeSet:
        """The pending changes: inserts, then updates and deletes in row order.

        Carried changes are left out: their row is not loaded, so there is nothing
        to send them to (they count, and stay in the snapshot)."""
        ov = self._overlay
        out = [
            Change("insert", row=row, values={k: v for k, v in values.items() if v is not None})
            for row, values in ov.inserts.items()
        ]
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

    def snapshot(self) -> dict[str, object]:
        """The change set as plain JSON-able data, for a journal: carried changes included."""
        ov, ident = self._overlay, self.ident
        updates = [
            {
                **ident(row),
                "set": encode_cells(cells),
                "was": encode_cells({c: self._store.get(row, c) for c in cells}),
            }
            for row, cells in ov.updates.items()
        ]
        deletes = [ident(row) for row in ov.deletes]
        errors = [{**ident(row), "reason": reason} for row, reason in self._errors.items()]
        parts = {"updates": updates, "deletes": deletes, "errors": errors}
        for part, item in self._carried.items():
            parts[part].append(item)
        return {
            "format": SNAPSHOT_FORMAT,
            "key": list(self.key),
            "next_new": ov.next_new,
            "updates": updates,
            "inserts": [{"row": row, "values": encode_cells(v)} for row, v in ov.inserts.items()],
            "deletes": deletes,
            "errors": errors,
        }

    def take_snapshot(self) -> dict[str, object]:
        """``snapshot()`` for the journal: what it holds from now on is that, whole."""
        self._unjournaled, self._errors_cleared = [], []
        self.journal_whole = False
        return self.snapshot()

    def take_steps(self) -> list[list[object]] | None:
        """The operations made since the journal last took them, as plain data that
        names rows as ``ident`` does (tui.state.draftlog.fold replays them onto a
        snapshot); costs what they did, not the change set.  None when a change outside
        any step came in between (writeback results, a restore): then ``take_snapshot()``."""
        taken = self.take_ops()
        return None if taken is None else taken.encode()

    def take_ops(self) -> TakenSteps | None:
        """``take_steps`` with the encoding left to the caller (``TakenSteps.encode``, on
        another thread if it likes: the operations taken are never changed again)."""
        if self.journal_whole:
            return None
        batches, self._unjournaled = self._unjournaled, []
        cleared, self._errors_cleared = self._errors_cleared, []
        return TakenSteps(self, batches, cleared)

    def clear_error(self, row: int) -> None:
        if row in self._errors:
            self._errors_cleared.append(row)
        super().clear_error(row)

    def ident(self, row: int) -> dict[str, object]:
        """How a journal names a row: by key where the table has one (new rows by id)."""
        if self.key and row >= 0:
            return {"key": encode_cells(self.key_of(row))}
        return {"row": row}

    # ----------------------------------------------------------- in: a change file or a diff

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
                f"no row with key {key_words(change.key)}" if self.key else f"no row {change.row}"
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
            return f"a row with key {key_words(key)} exists"
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

    # ----------------------------------------------------------- in: writeback results

    def apply_results(self, outcomes: Iterable[RowOutcome]) -> dict[int, int]:
        """Fold rows written back into the loaded state; keep failed ones pending.

        Returns the new row id of each new row that was written (it becomes a
        loaded row).  The undo history is cleared (see the module docstring).
        """
        moved: dict[int, int] = {}
        for outcome in outcomes:
            if outcome.status == "done":
                new = self._written(outcome.row, dict(outcome.values or {}))
                if new is not None:
                    moved[outcome.row] = new
            else:
                self._errors[outcome.row] = outcome.reason or outcome.status
        self.history.clear()
        self.journal_whole, self._unjournaled = True, []
        self.version += 1
        return moved

    def _written(self, row: int, server: dict[str, object]) -> int | None:
        self._errors.pop(row, None)
        self._invalid.pop(row, None)
        if row < 0:
            new = self._written_new(row, self._typed_keys(server))
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

    def set_loaded(self, row: int, values: Mapping[str, object]) -> None:
        """The server's current values for a loaded row (after a conflict or reload).

        Pending cells now equal to the loaded value stop being changes; others stay.
        """
        ov = self._overlay
        pending = dict(ov.updates.get(row, {}))
        for column, value in values.items():
            self._store.set(row, column, value)
        ov.changed_cells -= len(ov.updates.pop(row, {}))
        for column, value in pending.items():
            ov.set_cell(row, column, value, self._store.get(row, column))
            self._validate(row, column)
        self.journal_whole, self._unjournaled = True, []
        self.version += 1

    # ----------------------------------------------------------- in: a journal's snapshot

    def restore(self, data: Mapping[str, object]) -> list[str]:
        """Replace the change set with a snapshot; returns what could not be restored as it was.

        Rows are found by key (by row id without keys).  A row whose loaded
        value moved on since the snapshot keeps the edit and is reported; the
        changes of a row not loaded are carried (and reported) until it arrives.
        """
        if data.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"unknown snapshot format {data.get('format')!r}")
        ov = self._overlay
        self._clear_changes()
        self._invalid.clear()
        self.history.clear()
        for item in _items(data["inserts"]):
            self._add_new(_int(item["row"]), decode_cells(_cells(item["values"])), len(ov.inserts))
        ov.next_new = min(ov.next_new, _int(data["next_new"]))
        self._carry(data)
        problems: list[str] = []
        self._place_carried(None, problems)
        for row in ov.inserts:
            for column in self.columns:
                self._validate(row, column)
        self._revalidate_new_keys()  # once, not per row: restoring stays linear
        self.journal_whole, self._unjournaled = True, []
        self.version += 1
        return problems + self.unplaced_words()

    def append_page(self, records: Sequence[Mapping[str, object]]) -> range:
        """Loaded rows arrive; the carried changes of those among them are placed."""
        rows = super().append_page(records)
        if self._carried and self._place_carried(rows, []):
            self.version += 1  # values changed, not only rows added: views are computed again
        return rows

    def place_unplaced(self) -> list[str]:
        """After a complete load: place what a page missed (a key typed differently);
        returns how the rows still unplaced, no longer on the server, are named."""
        if self._carried and self._place_carried(None, []):
            self.version += 1
        return self.unplaced_words()

    def unplaced_words(self) -> list[str]:
        """One line per row whose changes are carried: not loaded, or no longer there."""
        lines = []
        for entry in self._carried.rows.values():
            ident = entry.ident
            where = (
                f"row {key_words(decode_cells(_cells(ident['key'])))}"
                if "key" in ident
                else f"row {ident['row']}"
            )
            lines.append(f"{where} is not loaded; its change is kept, not sent")
        return lines

    def drop_unplaced(self, ident: Mapping[str, object]) -> None:
        """Forget the carried changes of one row ({"key": ...} or {"row": N}): they landed."""
        self._carried.pop(self._lookup_ident(ident))

    def forget_unplaced(self) -> None:
        """Forget every carried change (the change set is discarded)."""
        self._carried.clear()
        self.version += 1

    def _clear_changes(self) -> None:
        self._carried.clear()
        super()._clear_changes()

    def _carry(self, data: Mapping[str, object]) -> None:
        """Every update, delete and error of a snapshot, carried until placed."""
        carried = self._carried
        for part in ("updates", "deletes", "errors"):
            for item in _items(data.get(part, [])):
                ident: dict[str, object] = (
                    {"key": item["key"]} if "key" in item else {"row": _int(item["row"])}
                )
                lookup = self._lookup_ident(ident)
                entry = carried.entry(lookup, ident)
                if part == "updates":
                    entry.update = {"set": item["set"], "was": item.get("was", {})}
                elif part == "deletes":
                    entry.delete = True
                else:
                    entry.error = str(item["reason"])
                carried.counted(lookup, entry)

    def _lookup_ident(self, ident: Mapping[str, object]) -> object:
        if "key" in ident:
            lookup = self._keys.lookup(decode_cells(_cells(ident["key"])))
            return object() if lookup is None else lookup  # a null key part: never placed
        return ("row", _int(ident["row"]))

    def _lookup_row(self, row: int) -> object:
        if self.key and row >= 0:
            return self._keys.lookup(self.key_of(row))
        return ("row", row)

    def _place_carried(self, rows: range | None, problems: list[str]) -> int:
        """Place the carried changes of `rows` (of every loaded row: None); how many rows."""
        carried = self._carried
        placed = 0
        if rows is None or len(carried) <= len(rows):
            for lookup, entry in list(carried.rows.items()):
                row = self._row_of(entry.ident)
                if row is not None and (rows is None or row in rows):
                    carried.pop(lookup)
                    self._place(row, entry, problems)
                    placed += 1
            return placed
        for row in rows:
            found = carried.pop(self._lookup_row(row))
            if found is not None:
                self._place(row, found, problems)
                placed += 1
        return placed

    def _row_of(self, ident: Mapping[str, object]) -> int | None:
        if "key" in ident:
            return self.find(decode_cells(_cells(ident["key"])))
        row = _int(ident["row"])
        return row if self.exists(row) else None

    def _place(self, row: int, entry: CarriedRow, problems: list[str]) -> None:
        if entry.update is not None:
            self._place_update(row, entry.update, problems)
        if entry.delete:
            self._overlay.deletes[row] = None
        if entry.error is not None:
            self._errors[row] = entry.error

    def _place_update(self, row: int, item: Mapping[str, object], problems: list[str]) -> None:
        was = decode_cells(_cells(item.get("was", {})))
        for column, value in decode_cells(_cells(item["set"])).items():
            self._store.add_column(column)
            loaded = self._store.get(row, column)
            if column in was and not same(was[column], loaded):
                problems.append(
                    f"{self.row_words(row)}, {column}: changed on the server since the edit "
                    f"(was {was[column]!r}, now {loaded!r}); your value is kept"
                )
            self._overlay.set_cell(row, column, value, loaded)
            self._validate(row, column)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _items(value: object) -> list[Mapping[str, object]]:
    """A list of objects from a snapshot (rows, updates, ...)."""
    if not isinstance(value, list):
        raise TypeError(f"a snapshot list expected, not {value!r}")
    return [_cells(item) for item in value]


def _cells(value: object) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise TypeError(f"a snapshot object expected, not {value!r}")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int | float | str):
        raise TypeError(f"a row number expected, not {value!r}")
    return int(value)


# ----------------------------------------------------------------- cell values as JSON, exactly
# Plain JSON values stay as they are; values JSON cannot hold (dates, decimals, non-finite
# floats) and objects that could be mistaken for them become objects with one tag key,
# e.g. {"$date": "2024-01-31"}.


def encode_value(value: object) -> object:
    """A cell value as JSON-able data that ``decode_value`` turns back exactly."""
    if type(value) in _AS_THEY_ARE:  # the common case first: a journal encodes each edit
        return value
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, tuple):
        return [encode_value(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    if isinstance(value, dict):
        # A loaded JSON object that happens to look like a tag must stay an object.
        return {"$object": {k: encode_value(v) for k, v in value.items()}}
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    return value


_AS_THEY_ARE = frozenset({int, str, bool, type(None)})

_DECODERS: dict[str, Callable[[str], object]] = {
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
    "$decimal": Decimal,
    "$float": float,
}


def decode_value(data: object) -> object:
    """The cell value ``encode_value`` made ``data`` from."""
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    if isinstance(data, dict):
        ((tag, inner),) = data.items()
        if tag == "$object" and isinstance(inner, dict):
            return {k: decode_value(v) for k, v in inner.items()}
        if not isinstance(inner, str):
            raise TypeError(f"{tag} needs text, not {inner!r}")
        return _DECODERS[tag](inner)
    return data


def encode_cells(cells: Mapping[str, object]) -> dict[str, object]:
    return {k: encode_value(v) for k, v in cells.items()}


def decode_cells(cells: Mapping[str, object]) -> dict[str, object]:
    return {k: decode_value(v) for k, v in cells.items()}
