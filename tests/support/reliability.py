"""Helpers of the reliability tests (tests/e2e/test_reliability_*.py): what the demo server
holds and was sent, what the audit trail says, and the check that a recovered writer
left every row accounted for."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import httpx

from tui.state import StateStore
from tui.state.audit import AuditEntry
from tui.workspace import Conflict, Workspace

DEST = "products"
LOGIN = "erin"


def records(server: Any, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The products as the server has them now, a GET each."""
    found = {}
    with httpx.Client(base_url=server.api_url, timeout=10) as client:
        for row_id in ids:
            answer = client.get(f"/products/{row_id}")
            assert answer.status_code == 200, answer.text
            found[row_id] = answer.json()
    return found


def qty_on(server: Any, ids: Iterable[int]) -> dict[int, int]:
    return {row_id: product["qty"] for row_id, product in records(server, ids).items()}


def patches(server: Any, status: int | None = None) -> Counter[int]:
    """PATCHes per product id in the server's request log (of `status` if given)."""
    return Counter(
        int(path.rsplit("/", 1)[1])
        for method, path, answered in server.recent_requests
        if method == "PATCH" and status in (None, answered)
    )


def trail(state: StateStore) -> list[AuditEntry]:
    return state.audit.query(destination=DEST, limit=None)


def done_per_row(entries: list[AuditEntry]) -> Counter[int]:
    return Counter(e.row_key["id"] for e in entries if e.event == "update" and e.outcome == "done")


def check_and_release(ws: Workspace, server: Any) -> tuple[set[int], set[int]]:
    """What a user does with held rows: read each on the server; where it already has
    my values, take the server's record, else release the row to be sent again.
    Returns the product ids taken and released."""
    held = [change for change in ws.table.changes() if change.row in ws.held]
    on_server = records(server, [change.key["id"] for change in held])
    taken: list[Conflict] = []
    resent: dict[int, int] = {}
    for change in held:
        theirs = on_server[change.key["id"]]
        if all(theirs[column] == value for column, value in change.set.items()):
            taken.append(
                Conflict(change.row, change.key, change.was, change.set, change.set, theirs)
            )
        else:
            resent[change.row] = change.key["id"]
    ws.resolve(taken, {c.row: "theirs" for c in taken})
    ws.release(resent.keys())
    return {c.key["id"] for c in taken}, set(resent.values())
