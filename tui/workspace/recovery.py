"""Rows whose request left and whose answer was never recorded, read back from the server.

After a writer's process is gone, its intents with no outcome are these rows. Each row
read on its own (`push`, where `[read_row]` is configured), else the rows as loaded now
(a fresh read of the destination), tell which landed: an update whose
values the server holds, a delete whose key it no longer has, an insert whose key
(given in its values) it now has with those values. A landed row is audited as written
("found on the server after an interrupted writeback"); any other row is never re-sent
blindly: it is held and shown.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.config.model import Destination
from tui.state.audit import AuditEntry
from tui.state.intents import Intent, unknown
from tui.table import RowOutcome, Table, decode_cells
from tui.table.types import to_wire
from tui.workspace.report import LANDED

if TYPE_CHECKING:
    from tui.rest.connection import Connection
    from tui.workspace.workspace import Workspace

NOT_LANDED = (
    "outcome unknown: its request left in a writeback that was interrupted, and the "
    "server does not hold its values"
)


@dataclass
class Recovered:
    """What reading back interrupted runs found: rows landed and held, the runs read."""

    landed: list[Intent] = field(default_factory=list)
    held: list[Intent] = field(default_factory=list)
    runs: set[str] = field(default_factory=set)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)  # landed inserts' keys


# ident -> the row as the server has it now (None: it has no such row), read one by one
Fresh = dict[str, dict[str, Any] | None]


async def read_rows(conn: Connection, dest: Destination, intents: Iterable[Intent]) -> Fresh:
    """Where the destination configures `[read_row]`: each unknown updated or deleted row
    as the server has it now. Rows that cannot be read are left to the table."""
    from tui.rest.errors import RestError  # the REST engine, imported when first used
    from tui.writeback.plan import PlanError
    from tui.writeback.rowread import get_row, record_of, row_reader

    reader = row_reader(dest) if dest.read_row is not None else None
    fresh: Fresh = {}
    if reader is None:
        return fresh

    async def read(intent: Intent) -> None:
        key = intent.intended.get("key")
        if intent.op == "insert" or not key:
            return
        try:
            response = await get_row(conn, reader, dict(key), 0)
        except (RestError, PlanError):
            return
        if response.status_code == 404:
            fresh[intent.ident] = None
        elif response.is_success and (record := record_of(response, reader.records)):
            fresh[intent.ident] = record

    await asyncio.gather(*(read(i) for i in unknown(intents)))
    return fresh


def read_back(table: Table, intents: Iterable[Intent], fresh: Fresh | None = None) -> Recovered:
    """Sort an interrupted writeback's intents against the rows read one by one (`fresh`)
    where there are, else the rows as loaded now."""
    intents = list(intents)
    found = Recovered(runs={i.run_id for i in intents})
    for intent in unknown(intents):
        if fresh and intent.ident in fresh:
            key = _landed_in(fresh[intent.ident], intent)
        else:
            key = landed_key(table, intent)
        if key is None:
            found.held.append(intent)
        else:
            found.landed.append(intent)
            if key:
                found.keys[intent.ident] = key
    return found


def landed_key(table: Table, intent: Intent) -> dict[str, Any] | None:
    """The row's key where the server holds what the intent meant ({} for a delete), or None."""
    ident, meant = json.loads(intent.ident), intent.intended
    if intent.op == "insert":
        values = meant.get("values", {})
        if not table.key or any(values.get(k) in (None, "") for k in table.key):
            return None  # a key the server assigns: nothing to find the row by
        row = table.find(decode_cells({k: values[k] for k in table.key}))
        holds = row is not None and _holds(table, row, values)
        return {k: values[k] for k in table.key} if holds else None
    if "key" not in ident:
        return None
    row = table.find(decode_cells(ident["key"]))
    if intent.op == "delete":
        return {} if row is None else None
    holds = row is not None and _holds(table, row, meant.get("set", {}))
    return dict(meant.get("key", {})) if holds else None


def _landed_in(record: dict[str, Any] | None, intent: Intent) -> dict[str, Any] | None:
    """landed_key, against the row read on its own (None: the server has no such row)."""
    if intent.op == "delete":
        return {} if record is None else None
    meant = intent.intended.get("set", {})
    holds = record is not None and all(k not in record or record[k] == v for k, v in meant.items())
    return dict(intent.intended.get("key", {})) if holds else None


def _holds(table: Table, row: int, values: dict[str, Any]) -> bool:
    record = table.loaded_record(row)
    loaded = {k: to_wire(v, table.column_type(k)) for k, v in record.items()}
    return all(k not in loaded or loaded[k] == v for k, v in values.items())


def landed_entry(intent: Intent, integration: str, key: dict[str, Any] | None = None) -> AuditEntry:
    """The audit entry of a row its writer sent and did not live to record, in its name."""
    meant = intent.intended
    before = after = None
    if intent.op == "update":
        before, after = meant.get("was"), meant.get("set")
    elif intent.op == "insert":
        after = meant.get("values")
    elif intent.op == "delete":
        before = meant.get("values")
    row_key = key if key is not None else meant.get("key")
    who = intent.writer.identity
    return AuditEntry.now(who, intent.destination, intent.op, integration=integration).but(
        row_key=row_key or None,
        before=before,
        after=after,
        outcome="done",
        error=LANDED,
        writeback_id=intent.run_id,
    )


def held_entry(intent: Intent, integration: str) -> AuditEntry:
    """The audit entry of a request that left and did not land, as far as can be told."""
    meant = intent.intended
    who = intent.writer.identity
    return AuditEntry.now(who, intent.destination, intent.op, integration=integration).but(
        row_key=meant.get("key") or None,
        before=meant.get("was"),
        after=meant.get("set") or meant.get("values"),
        outcome="unknown",
        error=NOT_LANDED,
        writeback_id=intent.run_id,
    )


def intended(
    op: str,
    key: dict[str, Any],
    values: dict[str, Any],
    changed: dict[str, Any],
    was: dict[str, Any],
) -> dict[str, Any]:
    """What the server holds once a row's request landed, as an intent records it."""
    if op == "insert":
        return {"values": values}
    if op == "delete":
        return {"key": key, "values": values}
    # send = "all" sends unchanged rows whole: they land when the server holds them
    return {"key": key, "set": changed or values, "was": was}


async def recover_push(ws: Workspace) -> Recovered:
    """Before a push sends: this login's push runs whose process is gone, read back (the
    single-row read where configured, else the rows as just loaded). Landed rows are
    audited so; the others are audited as unknown and held out of this run (flagged),
    in one transaction that closes the runs."""
    cut = ws.state.intents.interrupted(ws.dest.id, ws.who.login, drafted=False)
    fresh: Fresh = {}
    if unknown(cut) and ws.dest.read_row is not None:
        from tui.rest.connection import Connection  # the REST engine, imported when first used

        async with Connection(ws.integration, ws.secrets) as conn:
            fresh = await read_rows(conn, ws.dest, cut)
    found = read_back(ws.table, cut, fresh)
    if not found.runs:
        return found
    with ws.state.db.write() as conn:
        if ws.dest.audit:
            for intent in found.landed:
                key = found.keys.get(intent.ident)
                ws.state.audit.add(conn, landed_entry(intent, ws.integration.id, key))
            for intent in found.held:
                ws.state.audit.add(conn, held_entry(intent, ws.integration.id))
        ws.state.intents.forget_in(conn, found.runs, ws.dest.id)
    rows = [_row(ws.table, i) for i in found.held]
    ws.table.apply_results(
        [RowOutcome(row, "unknown", reason=NOT_LANDED) for row in rows if row is not None]
    )
    return found


def _row(table: Table, intent: Intent) -> int | None:
    ident = json.loads(intent.ident)
    if "key" in ident:
        return table.find(decode_cells(ident["key"]))
    return None  # a new row of a change file: its number is not the same row again
