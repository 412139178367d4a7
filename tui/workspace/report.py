"""The outcome of a writeback for the app, and its rows as audit entries."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.state.audit import AuditEntry
from tui.state.identity import Identity
from tui.state.journal import Draft, ident_text
from tui.table import Change, decode_cells
from tui.writeback.changes import RowChange
from tui.writeback.results import RowResult


@dataclass(frozen=True)
class Conflict:
    """A row the server changed since it was loaded: the user chooses what wins."""

    row: int
    key: dict[str, Any]
    loaded: dict[str, Any]
    mine: dict[str, Any]
    theirs: dict[str, Any]  # the server's values of the changed fields ({} when unread)
    server: dict[str, Any] = field(default_factory=dict)  # the whole record as the server has it


@dataclass
class WritebackReport:
    results: list[RowResult] = field(default_factory=list)
    summary: str = ""
    conflicts: list[Conflict] = field(default_factory=list)
    after: str | None = None
    total: int = 0
    writeback_id: str = ""
    notes: list[str] = field(default_factory=list)  # how the writeback had to adapt, once each
    lock_wait_s: float = 0.0  # how long it waited for another writeback's lock


def conflict_of(change: RowChange, result: RowResult) -> Conflict:
    theirs = result.theirs or {}
    return Conflict(
        change.row_id,
        dict(change.key),
        dict(change.was),
        dict(change.changed),
        {k: theirs[k] for k in change.changed if k in theirs},
        dict(theirs),
    )


def row_entry(
    who: Identity,
    destination: str,
    integration: str,
    writeback_id: str,
    change: RowChange,
    result: RowResult,
    redact: Callable[[str], str],
) -> AuditEntry:
    """The audit entry of one row written back: before and after of the changed fields."""
    method, _, url = result.request.partition(" ")
    before, after = _before_after(change, result)
    return AuditEntry.now(who, destination, change.op, integration=integration).but(
        row_key=dict(change.key or result.assigned) or None,
        before=before,
        after=after,
        method=method or None,
        url=redact(url) if url else None,
        status=result.http_status,
        outcome=result.status,
        error=redact(result.message) if result.message else None,
        duration_ms=round(result.duration_ms, 1),
        writeback_id=writeback_id,
    )


def _before_after(
    change: RowChange, result: RowResult
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    if change.op == "insert":
        return None, {**change.values, **result.assigned}
    if change.op == "delete":
        return dict(change.values), None
    return dict(change.was), dict(change.changed)


LANDED = "found on the server after an interrupted writeback"


def landed_entry(
    who: Identity,
    destination: str,
    integration: str,
    draft: Draft,
    ident: str,
    *,
    op: str = "",
    key: dict[str, Any] | None = None,
) -> AuditEntry:
    """The audit entry of a row a cut-off writeback wrote without living to record it
    (`key`: a new row's, as the server now has it)."""
    op = op or "update"
    named = json.loads(ident)
    if key is None and "key" in named:
        key = decode_cells(named["key"])
    before = after = None
    if op == "update":
        item = _item(draft, "updates", lambda u: ident_text({"key": u.get("key")}) == ident)
        before = decode_cells(item["was"]) if "was" in item else None
        after = decode_cells(item["set"]) if "set" in item else None
    elif op == "insert":
        item = _item(draft, "inserts", lambda i: i.get("row") == named.get("row"))
        after = decode_cells(item["values"]) if "values" in item else None
    return AuditEntry.now(who, destination, op, integration=integration).but(
        row_key=key or None,
        before=before,
        after=after,
        outcome="done",
        error=LANDED,
    )


def _item(draft: Draft, part: str, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    return next((i for i in draft.snapshot.get(part, []) if match(i)), {})


CONFLICT_PREFIX = "conflict:"  # how the table words a change whose `was` the server moved on from


def file_conflict_entry(
    who: Identity, destination: str, integration: str, change: Change, reason: str
) -> AuditEntry:
    """The audit entry of a change-file line refused because the server no longer holds
    its `was`: a conflict, found before any request."""
    return AuditEntry.now(who, destination, change.op, integration=integration).but(
        row_key=dict(change.key) or None,
        before=dict(change.was) or None,
        after=dict(change.set) or None,
        outcome="conflict",
        error=reason,
    )
