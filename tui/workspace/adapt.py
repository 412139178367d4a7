"""The table model adapted to the writeback engine, both ways.

The engine (tui.writeback) knows nothing of tables: it takes RowChange and gives
RowResult. This is the one place that turns a Table's pending changes into the
former, and folds the latter back into the table as RowOutcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tui.config.model import Destination
from tui.table import Change, RowOutcome, Table
from tui.table.types import to_wire
from tui.writeback.changes import RowChange
from tui.writeback.results import RowResult


def row_changes(table: Table, dest: Destination) -> list[RowChange]:
    """The table's pending changes as the engine takes them, values ready for the wire."""
    return [_row_change(table, dest, change) for change in table.changes()]


def unchanged_rows(table: Table, dest: Destination) -> list[RowChange]:
    """For send = "all": every loaded row with no pending change, as a full update."""
    pending = {c.row for c in table.changes()}
    return [
        RowChange(
            row,
            "update",
            _wire(table, table.key_of(row)),
            _wire(table, table.record(row)),
            {},
            {},
            _etag(table, dest, row),
        )
        for row in table.loaded_rows()
        if row not in pending
    ]


def wire_key(table: Table, row: int) -> dict[str, Any]:
    """A loaded row's key as the change set sends it; a new row has none yet."""
    return _wire(table, table.key_of(row)) if row >= 0 else {}


def _row_change(table: Table, dest: Destination, change: Change) -> RowChange:
    row = change.row
    assert row is not None  # the table's own changes name their row; only file lines may not
    if change.op == "insert":
        values = _wire(table, change.values)
        return RowChange(row, "insert", {}, values, dict(values))
    values = _wire(table, {**table.loaded_record(row), **change.set})
    return RowChange(
        row,
        change.op,
        _wire(table, change.key),
        _drop_hidden(dest, values),
        _wire(table, change.set),
        _wire(table, change.was),
        _etag(table, dest, row),
    )


def _drop_hidden(dest: Destination, values: dict[str, Any]) -> dict[str, Any]:
    # The ETag column is bookkeeping: it travels in If-Match, not in bodies.
    field = dest.load.etag_field
    return {k: v for k, v in values.items() if k != field}


def _etag(table: Table, dest: Destination, row: int) -> str | None:
    field = dest.load.etag_field
    if not field or field not in table.columns or row < 0:
        return None
    value = table.loaded_value(row, field)
    return str(value) if value else None


def _wire(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    return {k: to_wire(v, table.column_type(k)) for k, v in values.items()}


def outcomes(results: Iterable[RowResult], etag_field: str | None) -> list[RowOutcome]:
    """Engine results as the table folds them in (new keys, new ETags, reasons)."""
    folded = []
    for result in results:
        values = dict(result.assigned)
        if result.etag and etag_field:
            values[etag_field] = result.etag
        reason = None if result.status == "done" else result.message or result.status
        folded.append(RowOutcome(result.row_id, result.status, values or None, reason))
    return folded
