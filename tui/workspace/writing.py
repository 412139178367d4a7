"""One writeback: the rows it sends, built once (its preview shows them, its run sends
them and reads the results against them); then the run: rows re-read for conflicts
first, then under the lock, an intent recorded before each request leaves, each row
audited with its outcome as its answer comes."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.config.model import Destination
from tui.rest.connection import Connection
from tui.state.audit import AuditEntry
from tui.state.errors import LockHeld, StateUnwritable
from tui.state.intents import Planned, Writer
from tui.state.journal import ident_text
from tui.table import RowOutcome, Table
from tui.workspace.adapt import outcomes, row_changes, unchanged_rows
from tui.workspace.recovery import intended
from tui.workspace.report import WritebackReport, conflict_of, row_entry
from tui.workspace.restore import UNKNOWN, held_rows
from tui.writeback.after import after_write
from tui.writeback.changes import RowChange
from tui.writeback.conflicts import Checked, find_conflicts, read_theirs
from tui.writeback.execute import write_back
from tui.writeback.plan import PlannedRequest
from tui.writeback.results import RowResult, summary

if TYPE_CHECKING:
    from tui.workspace.workspace import Workspace

LOCK_POLL_S = 0.05
WAIT_TICK_S = 0.5  # how often a waiting writeback tells its caller (on_wait)

OnWait = Callable[[str, float], None]


@dataclass(frozen=True)
class Sending:
    """The rows one writeback sends, as the engine takes them (see the module docstring)."""

    rows: list[RowChange]  # the changed rows, less those skipped and those held
    unchanged: list[RowChange]  # the other loaded rows, sent too when send = "all"
    held: int  # rows left out because their last outcome is unknown
    skip: frozenset[int]  # rows the caller left out
    table: Table  # built from this table ...
    version: int  # ... as it was at this version

    @property
    def total(self) -> int:
        return len(self.rows) + len(self.unchanged)

    def built_from(self, table: Table) -> bool:
        """Still `table`'s change set: it was neither edited nor reloaded since."""
        return table is self.table and table.version == self.version


def sending(table: Table, dest: Destination, skip: Iterable[int] = ()) -> Sending:
    """The table's pending changes as one writeback sends them, less `skip` and held rows."""
    skipped, held = frozenset(skip), held_rows(table)
    left_out = skipped | held
    rows = [r for r in row_changes(table, dest) if r.row_id not in left_out]
    unchanged = unchanged_rows(table, dest) if dest.send == "all" else []
    return Sending(rows, unchanged, len(held), skipped, table, table.version)


@dataclass
class Early:
    """What is settled before the lock is taken: the rows to send and their conflict check."""

    sent: Sending
    mark: int  # the audit trail's latest entry before the rows were re-read
    checked: Checked | None = None  # None: re-read under the lock
    notes: list[str] = field(default_factory=list)


async def run(
    ws: Workspace,
    overwrite: Iterable[int],
    sent: Sending,
    on_result: Callable[[RowResult], None] | None,
    on_wait: OnWait | None = None,
) -> WritebackReport:
    overwrite = set(overwrite)
    async with Connection(ws.integration, ws.secrets) as conn:
        early = await _check_early(conn, ws, overwrite, sent)
        return await _locked(ws, conn, early, overwrite, on_result, on_wait)


async def _check_early(
    conn: Connection, ws: Workspace, overwrite: set[int], sent: Sending
) -> Early:
    """Re-read the changed rows before the lock is taken: others are not kept waiting.
    Not while someone else holds the lock: their writes would make it stale."""
    early = Early(sent, ws.state.audit.latest_id())
    lock = ws.state.locks.get(ws.dest.id)
    if lock is not None and not lock.held_by(ws.who):
        return early
    rows = [r for r in sent.rows if r.row_id not in overwrite]
    held = await find_conflicts(
        conn, ws.dest, rows, table_rows=ws.table.loaded_count, notes=early.notes
    )
    early.checked = Checked({r.row_id for r in rows}, held)
    return early


def _still_current(ws: Workspace, early: Early) -> bool:
    """Whether the early re-read can stand now that the lock is held."""
    if early.checked is None:
        return False
    if not ws.dest.audit:
        return False  # writes are not in the audit trail: re-read under the lock
    # writebacks write only under this lock, whose end (unlock, break, takeover) is audited
    entries = ws.state.audit.query(destination=ws.dest.id, after_id=early.mark, limit=None)
    return all(entry.event == "lock" for entry in entries)


async def _locked(
    ws: Workspace,
    conn: Connection,
    early: Early,
    overwrite: Iterable[int],
    on_result: Callable[[RowResult], None] | None,
    on_wait: OnWait | None,
) -> WritebackReport:
    started = time.monotonic()
    taken = await _take_lock(ws, on_wait)
    waited = time.monotonic() - started
    heartbeat = asyncio.create_task(_renew_while_running(ws))
    try:
        report = await _send(ws, conn, early, overwrite, on_result or (lambda _r: None))
        report.lock_wait_s = waited
        return report
    finally:
        heartbeat.cancel()
        if taken:
            ws.state.locks.release(ws.dest.id, ws.who, integration=ws.integration.id)


async def _take_lock(ws: Workspace, on_wait: OnWait | None) -> bool:
    """The auto-lock. Another writeback's is waited for, up to the destination's
    lock_wait seconds, without blocking the event loop (the app stays live); a lock
    taken by hand refuses at once. While waiting, `on_wait(holder, seconds_left)`
    hears about it every WAIT_TICK_S or so, the first time at once."""
    deadline = time.monotonic() + ws.dest.lock_wait
    tick = 0.0
    while True:
        try:
            _, taken = ws.state.locks.acquire(
                ws.dest.id, ws.who, ws.dest.lock_ttl, integration=ws.integration.id
            )
            return taken
        except LockHeld as held:
            now = time.monotonic()
            if held.lock.manual or now >= deadline:
                raise
            if on_wait is not None and now >= tick:
                on_wait(held.lock.describe(), deadline - now)
                tick = now + WAIT_TICK_S
            await asyncio.sleep(min(LOCK_POLL_S, deadline - now))


async def _renew_while_running(ws: Workspace) -> None:
    """A writeback longer than the lease must not lose its lock halfway."""
    while True:
        await asyncio.sleep(max(ws.dest.lock_ttl / 3, 0.05))
        ws.renew()


async def _send(
    ws: Workspace,
    conn: Connection,
    early: Early,
    overwrite: Iterable[int],
    on_result: Callable[[RowResult], None],
) -> WritebackReport:
    rows, unchanged = early.sent.rows, early.sent.unchanged
    report = WritebackReport(total=len(rows) + len(unchanged), writeback_id=uuid.uuid4().hex[:12])
    if not report.total:
        report.summary = "nothing to write"
        return report
    by_id = {r.row_id: r for r in rows}
    for earlier in _UNSETTLED.pop(ws, []):  # answers a failed state could not take yet
        earlier.flush()
    if ws.journaled:
        ws.state.journal.save(ws.who.login, ws.dest.id, ws.table.take_snapshot())
    ledger = Ledger(ws, report.writeback_id, [*rows, *unchanged], on_result)
    checked = early.checked if _still_current(ws, early) else None
    if checked is not None:
        report.notes += early.notes
    try:
        report.results = await write_back(
            conn,
            ws.dest,
            rows,
            unchanged=unchanged,
            overwrite=overwrite,
            on_result=ledger.record,
            table_rows=ws.table.loaded_count,
            notes=report.notes,
            checked=checked,
            before_send=ledger.announce,
        )
        ledger.flush()
    except BaseException:
        # answers had are folded in (those rows are not pending any more), the others held
        answered = [r for r in ledger.results if r.row_id in by_id]
        ws.table.apply_results(outcomes(answered, ws.dest.load.etag_field))
        _flag_unknown(ws, ledger.unanswered)
        ledger.flush_quietly()
        if ledger.waiting:
            _UNSETTLED.setdefault(ws, []).append(ledger)
        raise
    await _settle(ws, conn, report, by_id)
    return report


# per workspace, runs whose answers the state could not take: written before the next run
_UNSETTLED: weakref.WeakKeyDictionary[Workspace, list[Ledger]] = weakref.WeakKeyDictionary()


class Ledger:
    """One run's rows in the state: an intent before each request leaves, then each answer
    audited with its outcome in one transaction. Once the state cannot be written, no
    request leaves; answers that arrive meanwhile wait here and are written as soon as
    the state takes them (else the next run reads their rows back)."""

    def __init__(
        self,
        ws: Workspace,
        run_id: str,
        rows: list[RowChange],
        on_result: Callable[[RowResult], None],
    ) -> None:
        self.ws, self.run_id, self.on_result = ws, run_id, on_result
        self.rows = {r.row_id: r for r in rows}
        self.idents = {r.row_id: ident_text(ws.table.ident(r.row_id)) for r in rows}
        self.writer = Writer.of(ws.who)
        self.announced: set[int] = set()
        self.answered: set[int] = set()
        self.results: list[RowResult] = []
        self.waiting: list[tuple[AuditEntry | None, str, str]] = []
        self.broken: StateUnwritable | None = None

    @property
    def unanswered(self) -> list[int]:
        return sorted(self.announced - self.answered)

    def announce(self, planned: PlannedRequest) -> None:
        """Before `planned` leaves: its rows' intents, durable. Raises when they are not."""
        if self.broken is not None:
            raise self.broken
        rows = [r for r in planned.rows if r in self.rows]
        intents = [
            Planned(self.idents[r], self.rows[r].op, self._intended(self.rows[r])) for r in rows
        ]
        try:
            self.ws.state.intents.announce(
                self.writer, self.run_id, self.ws.dest.id, intents, drafted=self.ws.journaled
            )
        except StateUnwritable as exc:
            self.broken = exc
            raise
        self.announced.update(rows)

    @staticmethod
    def _intended(change: RowChange) -> dict[str, Any]:
        return intended(change.op, change.key, change.values, change.changed, change.was)

    def record(self, result: RowResult) -> None:
        """Each row's result, as it comes: audited with its outcome in one transaction.
        Every row a request carried is audited, those sent only because send = "all" too."""
        self.answered.add(result.row_id)
        self.results.append(result)
        change = self.rows.get(result.row_id)
        if change is not None:
            ws = self.ws
            entry = None
            if ws.dest.audit:
                entry = row_entry(
                    ws.who, ws.dest.id, ws.integration.id, self.run_id, change, result, ws.redact
                )
            self.waiting.append((entry, self.idents[result.row_id], result.status))
            try:
                self.flush()
            except StateUnwritable as exc:
                self.broken = exc
        self.on_result(result)

    def flush(self) -> None:
        """The answers waiting, into the state in one transaction."""
        if not self.waiting:
            return
        ws = self.ws
        with ws.state.db.write() as conn:
            for entry, ident, status in self.waiting:
                if entry is not None:
                    ws.state.audit.add(conn, entry)
                ws.state.intents.settle_in(conn, self.run_id, ws.dest.id, ident, status)
        self.waiting.clear()

    def flush_quietly(self) -> None:
        with contextlib.suppress(StateUnwritable):  # the next run reads these rows back
            self.flush()


async def _settle(
    ws: Workspace, conn: Connection, report: WritebackReport, by_id: dict[int, RowChange]
) -> None:
    """After the requests: theirs for conflicts, results into the table, after_write."""
    await _read_theirs(conn, ws, report.results, by_id, report.notes)
    report.conflicts = [
        conflict_of(by_id[r.row_id], r) for r in report.results if r.status == "conflict"
    ]
    ws.table.apply_results(outcomes(report.results, ws.dest.load.etag_field))
    keys = {r.row_id: r.key for r in by_id.values()}
    fresh, line = await after_write(ws.config, ws.dest, conn, ws.secrets, report.results, keys)
    if fresh:
        _reloaded(ws, fresh)
    with ws.state.db.write() as state:
        if ws.journaled:
            ws.state.journal.save_in(state, ws.who.login, ws.dest.id, ws.table.take_snapshot())
        ws.state.intents.close_in(state, report.writeback_id, ws.dest.id)
    report.summary = summary(report.results)
    report.after = line or None


async def _read_theirs(
    conn: Connection,
    ws: Workspace,
    results: list[RowResult],
    by_id: dict[int, RowChange],
    notes: list[str],
) -> None:
    """A 412 says only that the row moved on: read it, so the user sees theirs. All at
    once, within the connection's limits: the lock is held meanwhile."""
    unread = [
        r for r in results if r.status == "conflict" and r.theirs is None and r.row_id in by_id
    ]
    found = await read_theirs(conn, ws.dest, [by_id[r.row_id] for r in unread], notes)
    for result, theirs in zip(unread, found, strict=True):
        result.theirs = theirs


def _reloaded(ws: Workspace, records: list[dict[str, Any]]) -> None:
    """Fresh server values of written rows become the loaded values."""
    if not ws.table.key:
        return
    for record in records:
        row = ws.table.find({k: record.get(k) for k in ws.table.key})
        if row is not None:
            ws.table.set_loaded(row, record)


def _flag_unknown(ws: Workspace, rows: list[int]) -> None:
    """Rows whose request left and whose answer never came: flagged in the table and the
    draft, never re-sent blindly. Rows not sent stay plain pending."""
    ws.table.apply_results([RowOutcome(row, "unknown", reason=UNKNOWN) for row in rows])
    if ws.journaled:
        with contextlib.suppress(StateUnwritable):  # the intents say the same
            ws.state.journal.save(ws.who.login, ws.dest.id, ws.table.take_snapshot())
