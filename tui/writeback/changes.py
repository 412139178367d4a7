"""The planner's view of one row to write: what the table model hands over."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.config.model import Op


@dataclass(frozen=True)
class RowChange:
    """One row of a change set, as the writeback sees it.

    `values` is the whole row as it stands after the edits; `changed` holds only the
    cells that differ from the loaded row (for an insert: every value); `was` their
    loaded values, for conflict checks and the audit trail.
    """

    row_id: int
    op: Op
    key: dict[str, Any]
    values: dict[str, Any]
    changed: dict[str, Any] = field(default_factory=dict)
    was: dict[str, Any] = field(default_factory=dict)
    etag: str | None = None
