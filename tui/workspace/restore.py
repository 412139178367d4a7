"""Putting a journaled change set back, with rows of an unfinished writeback sorted out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tui.state.journal import Draft, ident_text
from tui.table.changes import decode_cells
from tui.table.table import RowOutcome, Table

UNKNOWN_PREFIX = "outcome unknown"
UNKNOWN = "outcome unknown: check the server, then keep (edit) or revert this row"


@dataclass(frozen=True)
class Restored:
    words: str  # "3 changed, 1 new"
    problems: list[str] = field(default_factory=list)
    unknown: int = 0  # rows flagged "outcome unknown": held back until checked
    landed: list[str] = field(default_factory=list)  # idents found written on the server


def restore(table: Table, draft: Draft) -> Restored:
    """Restore `draft` into `table`: rows written before a crash are dropped, rows
    with no recorded outcome are flagged and held, never silently re-sent."""
    snapshot = _without(draft.snapshot, set(draft.done)) if draft.done else draft.snapshot
    problems = table.restore(snapshot) if snapshot else []
    pending = {c.row for c in table.changes()}
    found = {text: _find(table, text) for text in draft.unknown}
    # a row no longer pending reached the server before the crash: nothing to check
    flagged = [row for row in found.values() if row in pending]
    table.apply_results([RowOutcome(row, "unknown", reason=UNKNOWN) for row in flagged])
    landed = [text for text, row in found.items() if _landed(draft, text, row, pending)]
    return Restored(str(table.counts()), problems, len(held_rows(table)), landed)


def _landed(draft: Draft, text: str, row: int | None, pending: set[int]) -> bool:
    """An update whose value the server now holds.  Not a delete whose row is missing:
    a server-side filter hides rows too, and a new row has no key to look it up by."""
    if "key" not in json.loads(text) or draft.sent.get(text, ("", ""))[1] != "update":
        return False
    return row is not None and row not in pending


def held_rows(table: Table) -> set[int]:
    """Rows flagged unknown after a crash: the writeback leaves them out until cleared."""
    return {c.row for c in table.changes() if c.row is not None and _unknown(table, c.row)}


def _unknown(table: Table, row: int) -> bool:
    # the executor's own "outcome unknown, check the server: ..." counts too
    return (table.row_error(row) or "").startswith(UNKNOWN_PREFIX)


def _without(snapshot: dict[str, Any], done: set[str]) -> dict[str, Any]:
    def keep(item: dict[str, Any]) -> bool:
        ident = {"key": item["key"]} if "key" in item else {"row": item["row"]}
        return ident_text(ident) not in done

    out = dict(snapshot)
    for part in ("updates", "inserts", "deletes", "errors"):
        out[part] = [item for item in snapshot.get(part, []) if keep(item)]
    return out


def _find(table: Table, text: str) -> int | None:
    ident = json.loads(text)
    if "key" in ident:
        return table.find(decode_cells(ident["key"]))
    row = int(ident["row"])
    return row if table.exists(row) else None


def landed_held(table: Table, held: list[dict[str, Any]]) -> list[str]:
    """Of the rows held before a reload, the updates no longer pending after it: the
    server holds their values, so the writeback cut off wrote them."""
    pending = {c.row for c in table.changes()}
    texts = [ident_text(ident) for ident in held if "key" in ident]
    return [
        text for text in texts if (row := _find(table, text)) is not None and row not in pending
    ]
