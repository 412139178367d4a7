"""Send a planned change set and return a result per row.

Operations go in order (inserts, updates, deletes); requests of one operation run
concurrently within the integration's concurrency and rate limits. `before_send` hears
of each request just before it leaves (its intent is recorded there): when it raises,
that request and every one not yet sent stay unsent, and the error ends the writeback
once the requests already on the wire are answered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

from tui.config.model import Destination, WriteStatus
from tui.rest.client import Credentials, split_values
from tui.rest.connection import Connection
from tui.rest.errors import ResponseTooLarge, RestError, TransportError
from tui.writeback.changes import RowChange
from tui.writeback.conflicts import Checked, find_conflicts
from tui.writeback.plan import ORDER, PlanError, PlannedRequest, plan
from tui.writeback.responses import row_results
from tui.writeback.results import RowResult

OnResult = Callable[[RowResult], None]
BeforeSend = Callable[[PlannedRequest], None]


class _Sender:
    """What every request of one writeback shares: its slots, and the first refusal."""

    def __init__(self, conn: Connection, report: OnResult, before: BeforeSend | None) -> None:
        # a request holds a slot from its intent to its answer: at most max_concurrency
        # rows are announced and not answered at any time
        self.slots = asyncio.Semaphore(conn.integration.max_concurrency)
        self.report = report
        self.before = before
        self.stopped: BaseException | None = None


async def write_back(
    conn: Connection,
    dest: Destination,
    changes: list[RowChange],
    *,
    unchanged: Iterable[RowChange] = (),
    overwrite: Iterable[int] = (),
    on_result: OnResult | None = None,
    table_rows: int | None = None,
    notes: list[str] | None = None,
    checked: Checked | None = None,
    before_send: BeforeSend | None = None,
) -> list[RowResult]:
    """Write `changes`; rows in `overwrite` skip the conflict check (the user chose so).

    `table_rows` and `notes` go to the conflict check (find_conflicts); rows in
    `checked` were checked already and are not re-read again."""
    forced = set(overwrite)
    report = on_result or (lambda _result: None)
    to_check = [c for c in changes if c.row_id not in forced]
    held: dict[int, RowResult] = {}
    if checked is not None:
        held = {c.row_id: checked.held[c.row_id] for c in to_check if c.row_id in checked.held}
        to_check = [c for c in to_check if c.row_id not in checked.rows]
    held |= await find_conflicts(conn, dest, to_check, table_rows=table_rows, notes=notes)
    results = list(held.values())
    for result in results:
        report(result)
    sendable = [c for c in changes if c.row_id not in held]
    if forced:
        sendable = [_without_etag(c) if c.row_id in forced else c for c in sendable]
    sender = _Sender(conn, report, before_send)
    for op in ORDER:
        rows = [c for c in sendable if c.op == op]
        extra = list(unchanged) if op == "update" else []
        if rows or extra:
            results += await _send_op(conn, dest, rows, extra, sender)
        if sender.stopped is not None:
            raise sender.stopped
    return results


def _without_etag(change: RowChange) -> RowChange:
    return RowChange(
        change.row_id, change.op, change.key, change.values, change.changed, change.was, None
    )


async def _send_op(
    conn: Connection,
    dest: Destination,
    rows: list[RowChange],
    unchanged: list[RowChange],
    sender: _Sender,
) -> list[RowResult]:
    planned, refused = _plan_rows(dest, rows, unchanged)
    for result in refused:
        sender.report(result)
    batches = await asyncio.gather(*(_send(conn, dest, p, sender) for p in planned))
    return refused + [r for batch in batches for r in batch]


def _plan_rows(
    dest: Destination, rows: list[RowChange], unchanged: list[RowChange]
) -> tuple[list[PlannedRequest], list[RowResult]]:
    """Plan once; a row that cannot be planned fails alone and the others still go."""
    refused = [
        _refused(r, f"{r.op} is not enabled for {dest.id}") for r in rows if not _enabled(dest, r)
    ]
    good = [r for r in rows if _enabled(dest, r)]
    while True:
        try:
            return plan(dest, good, unchanged), refused
        except PlanError as exc:
            culprits = [r for r in good if r.row_id == exc.row_id] or good
            if not culprits:  # an unchanged row (send = "all") that cannot be planned
                return [], refused
            refused += [_refused(r, str(exc)) for r in culprits]
            good = [r for r in good if r not in culprits]


def _enabled(dest: Destination, row: RowChange) -> bool:
    operation = getattr(dest, row.op)
    return operation is not None and operation.enabled


def _refused(row: RowChange, message: str) -> RowResult:
    return RowResult(row.row_id, row.op, "failed", message)


async def _send(
    conn: Connection, dest: Destination, planned: PlannedRequest, sender: _Sender
) -> list[RowResult]:
    async with sender.slots:
        if sender.stopped is not None:
            return []
        if sender.before is not None:
            try:
                sender.before(planned)
            except Exception as exc:  # the intent could not be recorded: nothing more goes
                sender.stopped = exc
                return []
        return await _request(conn, dest, planned, sender.report)


async def _request(
    conn: Connection, dest: Destination, planned: PlannedRequest, report: OnResult
) -> list[RowResult]:
    operation = getattr(dest, planned.op)
    plain_headers, secret_headers = split_values(planned.headers, conn.store, headers=True)
    plain_params, secret_params = split_values(planned.params, conn.store, headers=False)
    url = conn.url(planned.path, {**conn.params, **plain_params})
    described = conn.describe(planned.method, url)
    started = time.perf_counter()
    try:
        response = await conn.request(
            planned.method,
            url,
            headers=plain_headers,
            content=planned.body,
            credentials=Credentials(secret_headers, secret_params),
            # per request: the retry policy resends a POST only when it carries this header
            idempotency_header=planned.idempotency_header,
        )
    except RestError as exc:
        results = _transport_results(planned, exc)
    else:
        results = row_results(planned, response, dest.key, operation.results)
    elapsed = (time.perf_counter() - started) * 1000
    for result in results:
        result.request, result.duration_ms = described, elapsed
        result.message = conn.redact(result.message)
        report(result)
    return results


def _transport_results(planned: PlannedRequest, exc: RestError) -> list[RowResult]:
    # Refused before sending (policy, no connection, TLS): nothing reached the server.
    # Lost after sending, or an answer too big to read: the server may have written;
    # never re-send blindly.
    reached = isinstance(exc, ResponseTooLarge) or (
        isinstance(exc, TransportError) and not exc.nothing_sent
    )
    status: WriteStatus
    if reached:
        status, message = "unknown", f"outcome unknown, check the server: {exc.message}"
    else:
        status, message = "failed", f"not sent: {exc.message}"
    return [RowResult(row, planned.op, status, message) for row in planned.rows]
