"""What a writeback would do, before anything is sent: words, requests, curl.

The one dry-run path: the app's preview screen and `writeback push --dry-run` both
show a `Preview` (Workspace.preview) of the rows a writeback sends (writing.Sending),
whose requests come from tui.writeback.dryrun.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.config.model import Destination, Integration
from tui.writeback.dryrun import ShownRequest, dry_run
from tui.writeback.plan import PlanError

if TYPE_CHECKING:
    from tui.workspace.writing import Sending


@dataclass(frozen=True)
class Preview:
    words: str  # "add 2 rows, change 5 values, delete 1 row"
    rows: int  # rows that would be sent
    requests: list[ShownRequest] = field(default_factory=list)  # secrets masked
    problems: list[str] = field(default_factory=list)  # nothing may be sent while any remain
    held: int = 0  # rows whose last outcome is unknown: kept back until checked
    changed: int = 0  # of `rows`, those with a pending change (the others: send = "all")

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self.requests]

    @property
    def curls(self) -> list[str]:
        return [r.curl for r in self.requests]


def change_words(inserts: int, values: int, deletes: int) -> str:
    """The commit question in words: "add 2 rows, change 5 values, delete 1 row"."""
    parts = [
        f"{verb} {n} {noun}{'' if n == 1 else 's'}"
        for verb, n, noun in (("add", inserts, "row"), ("change", values, "value"))
        + (("delete", deletes, "row"),)
        if n
    ]
    return ", ".join(parts) or "nothing to write"


def build_preview(integration: Integration, dest: Destination, sent: Sending) -> Preview:
    rows = sent.rows
    inserts = sum(1 for r in rows if r.op == "insert")
    deletes = sum(1 for r in rows if r.op == "delete")
    values = sum(len(r.changed) for r in rows if r.op == "update")
    problems = sent.table.problems()
    try:
        shown = dry_run(integration, dest, rows, sent.unchanged)
    except PlanError as exc:  # a row that cannot be sent as configured: said, nothing shown
        shown, problems = [], [*problems, str(exc)]
    return Preview(
        change_words(inserts, values, deletes),
        sent.total,
        shown,
        problems,
        sent.held,
        len(rows),
    )
