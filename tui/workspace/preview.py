"""What a writeback would do, before anything is sent: words, requests, curl."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.config.model import Destination, Integration
from tui.table.table import Table
from tui.writeback import dryrun
from tui.writeback.changes import RowChange
from tui.writeback.plan import PlanError, plan


@dataclass(frozen=True)
class Preview:
    words: str  # "add 2 rows, change 5 values, delete 1 row"
    rows: int  # rows that would be sent
    requests: list[str] = field(default_factory=list)  # dry-run text, secrets masked
    curls: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # nothing may be sent while any remain
    held: int = 0  # rows whose last outcome is unknown: kept back until checked


def change_words(inserts: int, values: int, deletes: int) -> str:
    """The commit question in words: "add 2 rows, change 5 values, delete 1 row"."""
    parts = [
        f"{verb} {n} {noun}{'' if n == 1 else 's'}"
        for verb, n, noun in (("add", inserts, "row"), ("change", values, "value"))
        + (("delete", deletes, "row"),)
        if n
    ]
    return ", ".join(parts) or "nothing to write"


def build_preview(
    integration: Integration,
    dest: Destination,
    table: Table,
    rows: list[RowChange],
    unchanged: list[RowChange],
    held: int,
) -> Preview:
    inserts = sum(1 for r in rows if r.op == "insert")
    deletes = sum(1 for r in rows if r.op == "delete")
    values = sum(len(r.changed) for r in rows if r.op == "update")
    words = change_words(inserts, values, deletes)
    problems = table.problems()
    try:
        planned = plan(dest, rows, unchanged) if rows or unchanged else []
    except PlanError as exc:
        planned, problems = [], [*problems, str(exc)]
    return Preview(
        words,
        len(rows) + len(unchanged),
        [dryrun.as_text(integration, p) for p in planned],
        [dryrun.as_curl(integration, p) for p in planned],
        problems,
        held,
    )
