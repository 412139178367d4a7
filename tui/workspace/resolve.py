"""What the user decides about rows the server disagrees with, as audit entries.

Each conflict resolved (take theirs, overwrite, skip) and each change set
discarded leaves one entry, so the trail tells why a row was or was not written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from tui.state.audit import AuditEntry
from tui.state.identity import Identity
from tui.state.journal import Draft
from tui.table import Change, decode_cells, status_line
from tui.workspace.report import Conflict

Choice = Literal["overwrite", "theirs", "skip"]
EVENTS: dict[Choice, str] = {"theirs": "take_theirs", "overwrite": "overwrite", "skip": "skip"}


def resolution_entry(
    who: Identity,
    destination: str,
    integration: str,
    conflict: Conflict,
    choice: Choice,
    writeback_id: str | None,
) -> AuditEntry:
    """before -> after is what the choice makes of the row: theirs replaces mine in the
    change set; overwrite (and skip, were it sent) puts mine over theirs on the server."""
    mine, theirs = dict(conflict.mine), dict(conflict.theirs)
    before, after = (mine, theirs) if choice == "theirs" else (theirs, mine)
    return AuditEntry.now(who, destination, EVENTS[choice], integration=integration).but(
        row_key=dict(conflict.key) or None,
        before=before,
        after=after,
        outcome="skipped" if choice == "skip" else "done",
        writeback_id=writeback_id or None,
    )


REVERTED = "outcome unknown; reverted: the server's row stands"


def revert_entry(
    who: Identity, destination: str, integration: str, change: Change, writeback_id: str
) -> AuditEntry:
    """A held row (its writeback cut off, outcome unknown) reverted by the user: like take
    theirs, before -> after is what the change set had -> what the row was loaded as."""
    if change.op == "update":
        before, after = dict(change.set), dict(change.was)
    elif change.op == "insert":
        before, after = dict(change.values), None
    else:
        before, after = {"deleted": True}, None
    return AuditEntry.now(who, destination, "revert", integration=integration).but(
        row_key=dict(change.key) or None,
        before=before,
        after=after,
        outcome="done",
        error=REVERTED,
        writeback_id=writeback_id or None,
    )


def discard_entry(
    who: Identity, destination: str, integration: str, lines: list[dict[str, Any]], words: str
) -> AuditEntry:
    """One entry for a whole change set thrown away: its lines, as `push --changes` reads
    them, so even a discarded draft can be sent later from the trail; and the keys of its
    rows that have one (changed and deleted rows), the row key too when it is one row."""
    keys = [line["key"] for line in lines if line.get("key")]
    return AuditEntry.now(who, destination, "discard", integration=integration).but(
        row_key=keys[0] if len(keys) == 1 and len(lines) == 1 else None,
        before={"summary": words, "keys": keys, "changes": lines},
        outcome="done",
    )


def change_lines(changes: Iterable[Change], keyed: bool) -> list[dict[str, Any]]:
    return [change.to_json(keyed=keyed) for change in changes]


def draft_lines(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """A journaled change set (Table.snapshot) as change-file lines."""
    lines: list[dict[str, Any]] = []
    for item in snapshot.get("updates", []):
        line = {"op": "update", **_ident(item), "set": decode_cells(item.get("set", {}))}
        lines.append({**line, "was": decode_cells(item["was"])} if "was" in item else line)
    for item in snapshot.get("inserts", []):
        lines.append({"op": "insert", "values": decode_cells(item.get("values", {}))})
    for item in snapshot.get("deletes", []):
        lines.append({"op": "delete", **_ident(item)})
    return lines


def _ident(item: dict[str, Any]) -> dict[str, Any]:
    return {"key": decode_cells(item["key"])} if "key" in item else {"row": item.get("row")}


def draft_words(draft: Draft) -> str:
    """ "3 changed, 1 new" for a journaled change set."""
    snap = draft.snapshot
    return status_line(*(len(snap.get(p) or []) for p in ("updates", "inserts", "deletes")))
