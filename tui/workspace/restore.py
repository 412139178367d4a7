"""Putting a journaled change set back, with rows of an unfinished writeback sorted out."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.state.intents import Intent, unknown
from tui.state.journal import Draft, ident_text
from tui.table import RowOutcome, Table, decode_cells
from tui.workspace.recovery import landed_key

UNKNOWN_PREFIX = "outcome unknown"
UNKNOWN = "outcome unknown: check the server, then keep (edit) or revert this row"


@dataclass(frozen=True)
class Restored:
    words: str  # "3 changed, 1 new"
    problems: list[str] = field(default_factory=list)
    unknown: int = 0  # rows flagged "outcome unknown": held back until checked
    landed: list[str] = field(default_factory=list)  # idents found written on the server
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)  # landed inserts' keys


def restore(table: Table, draft: Draft, interrupted: Sequence[Intent] = ()) -> Restored:
    """Restore `draft` into `table`, with the intents of its writeback cut off by a crash:
    rows written before it are dropped; rows whose request left with no outcome recorded
    are read back (landed, or flagged and held, never silently re-sent); rows never sent
    stay plain pending."""
    cut = unknown(interrupted)
    # read back against the rows as loaded, before the draft goes over them: a write of
    # ours that landed is never taken for a change on the server
    landed = {i.ident: key for i in cut if (key := landed_key(table, i)) is not None}
    drop = {i.ident for i in interrupted if i.outcome == "done"} | set(landed)
    snapshot = _without(draft.snapshot, drop) if drop and draft.snapshot else draft.snapshot
    problems = table.restore(snapshot) if snapshot else []
    pending = {c.row for c in table.changes() if c.row is not None}
    found = [_find(table, i.ident) for i in cut if i.ident not in landed]
    flagged = [row for row in found if row in pending]
    table.apply_results([RowOutcome(row, "unknown", reason=UNKNOWN) for row in flagged])
    keys = {ident: key for ident, key in landed.items() if key}
    return Restored(str(table.counts()), problems, len(held_rows(table)), list(landed), keys)


def settle_landed(
    table: Table,
    snapshot: dict[str, Any],
    ops: Mapping[str, str],
    found: dict[str, int | None],
    pending: set[int],
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Of rows whose writeback was cut off (ident text -> op; where each is now), those
    the server shows written: an update whose values it holds, a delete whose key it no
    longer has, an insert whose key (given in its values) it now has. A landed insert
    leaves the change set (sending it again would add it twice). Returns their idents,
    and the keys of the landed inserts."""
    landed: list[str] = []
    keys: dict[str, dict[str, Any]] = {}
    for text, op in ops.items():
        ident, row = json.loads(text), found.get(text)
        if op == "update" and "key" in ident:
            hit = row is not None and row not in pending
        elif op == "delete" and "key" in ident:
            hit = row is None
            if hit:  # carried while its row was missing: it is gone, as the delete asked
                table.drop_unplaced(ident)
        elif op == "insert" and "row" in ident:
            key = _inserted_key(table, snapshot, int(ident["row"]))
            hit = key is not None
            if key is not None:
                keys[text] = key
                if table.exists(int(ident["row"])):
                    table.revert_rows([int(ident["row"])])
        else:
            hit = False
        if hit:
            landed.append(text)
    return landed, keys


def _inserted_key(table: Table, snapshot: dict[str, Any], row: int) -> dict[str, Any] | None:
    """The key of a new row, when its values give one and the server now has a row by it."""
    item = next((i for i in snapshot.get("inserts", []) if i.get("row") == row), None)
    if item is None or not table.key:
        return None
    values = decode_cells(item.get("values", {}))
    key = {k: values.get(k) for k in table.key}
    if any(v is None or v == "" for v in key.values()):
        return None
    return key if table.find(key) is not None else None


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


def landed_held(
    table: Table, snapshot: dict[str, Any], held: Mapping[str, str]
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Of the rows held before a reload (ident text -> op), those the server shows the
    writeback cut off wrote (see settle_landed)."""
    pending = {c.row for c in table.changes() if c.row is not None}
    found = {text: _find(table, text) for text in held}
    return settle_landed(table, snapshot, held, found, pending)
