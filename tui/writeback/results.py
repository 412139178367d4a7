"""What happened to each row of a writeback."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.config.model import Op, WriteStatus


@dataclass
class RowResult:
    row_id: int
    op: Op
    status: WriteStatus
    message: str = ""
    http_status: int | None = None
    request: str = ""  # "PATCH https://host/path" without secrets
    duration_ms: float = 0.0
    assigned: dict[str, Any] = field(default_factory=dict)  # server-assigned key values
    etag: str | None = None  # the row's new ETag, where the server sent one
    theirs: dict[str, Any] | None = None  # conflict: the server's current values


def summary(results: list[RowResult]) -> str:
    """ "2 inserted, 5 updated, 1 deleted, 1 failed" (zero counts left out)."""
    done = {"insert": 0, "update": 0, "delete": 0}
    other = {"failed": 0, "conflict": 0, "unknown": 0, "skipped": 0}
    for result in results:
        if result.status == "done":
            done[result.op] += 1
        else:
            other[result.status] += 1
    words = {"insert": "inserted", "update": "updated", "delete": "deleted"}
    parts = [f"{n} {words[op]}" for op, n in done.items() if n]
    labels = {"conflict": "conflicts", "unknown": "outcome unknown"}
    parts += [f"{n} {labels.get(k, k)}" for k, n in other.items() if n]
    return ", ".join(parts) or "nothing to write"
