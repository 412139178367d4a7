"""Conflict checks without ETags: re-read the rows and compare with what was loaded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tui.config.model import Destination
from tui.rest.connection import Connection
from tui.rest.errors import RestError
from tui.rest.load import iter_pages
from tui.writeback.changes import RowChange
from tui.writeback.plan import PlanError
from tui.writeback.results import RowResult
from tui.writeback.rowread import NOT_READABLE, RowReader, get_row, record_of, row_reader


def needs_reread(dest: Destination, change: RowChange) -> bool:
    if change.op == "insert":
        return False
    if dest.conflict_check == "reread":
        return True
    operation = getattr(dest, change.op)
    if operation is not None and operation.array:
        return True  # one request for many rows carries no If-Match per row
    return change.etag is None  # auto / etag: If-Match covers rows with an ETag


# re-read the whole table instead of row by row when this share of it is to be checked
TABLE_SHARE = 0.05


@dataclass
class Checked:
    """A conflict check done earlier (before the lock was taken): the rows it covered
    and, of those, the ones found conflicting."""

    rows: set[int] = field(default_factory=set)
    held: dict[int, RowResult] = field(default_factory=dict)


async def find_conflicts(
    conn: Connection,
    dest: Destination,
    changes: Iterable[RowChange],
    *,
    table_rows: int | None = None,
    notes: list[str] | None = None,
) -> dict[int, RowResult]:
    """Rows whose server values differ from the loaded ones, as conflict results.

    `table_rows`: how many rows the table has, to re-read it once when many change;
    `notes` gets a line when the reading had to change course (said once)."""
    rows = [c for c in changes if needs_reread(dest, c)]
    if not rows:
        return {}
    reader = row_reader(dest)
    many = table_rows is not None and len(rows) >= TABLE_SHARE * table_rows
    if reader is None or (many and len(rows) > 1):
        checked = await _check_by_reload(conn, dest, rows)
    else:
        checked = await _check_rows(conn, dest, reader, rows, notes)
    return {result.row_id: result for result in checked if result is not None}


async def _check_rows(
    conn: Connection,
    dest: Destination,
    reader: RowReader,
    rows: list[RowChange],
    notes: list[str] | None,
) -> list[RowResult | None]:
    """Row by row, concurrently (the connection keeps to the rate limit). The first goes
    alone: a guessed path that does not answer GET must not fail every row."""
    first = await _check_row(conn, reader, rows[0])
    if reader.inferred and first is not None and first.http_status in NOT_READABLE:
        _say_not_readable(dest, reader, first.http_status, notes)
        return await _check_by_reload(conn, dest, rows)
    rest = await asyncio.gather(*(_check_row(conn, reader, c) for c in rows[1:]))
    return [first, *rest]


def _say_not_readable(
    dest: Destination, reader: RowReader, status: int | None, notes: list[str] | None
) -> None:
    note = (
        f"{dest.id}: GET {reader.path} answers {status}: rows re-read"
        f" from the table instead (set [destinations.{dest.id}.read_row] to read one row)"
    )
    if notes is not None and note not in notes:  # said once per writeback
        notes.append(note)


async def _check_by_reload(
    conn: Connection, dest: Destination, rows: list[RowChange]
) -> list[RowResult | None]:
    """Read the table again, once, keeping only these rows (batch endpoints, many rows)."""
    try:
        current = await _reload(conn, dest, rows)
    except RestError as exc:
        return [RowResult(c.row_id, c.op, "failed", f"re-read failed: {exc}") for c in rows]
    return [_compare(change, current.get(_key(change.key, dest.key))) for change in rows]


async def _reload(
    conn: Connection, dest: Destination, rows: list[RowChange]
) -> dict[tuple[str, ...], dict[str, Any]]:
    """The server's records of these rows, by key, from one read of the whole table."""
    wanted = {_key(c.key, dest.key) for c in rows}
    current: dict[tuple[str, ...], dict[str, Any]] = {}
    async for page in iter_pages(conn, dest):
        for record in page.records:
            key = _key(record, dest.key)
            if key in wanted:
                current[key] = record
    return current


def _key(values: dict[str, Any], key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(str(values.get(k)) for k in key)


async def read_theirs(
    conn: Connection, dest: Destination, changes: list[RowChange], notes: list[str] | None
) -> list[dict[str, Any] | None]:
    """The server's current records of rows that met a 412, None where unreadable: row by
    row, concurrently; the first alone, and where a guessed row path does not answer GET,
    from the table read once instead (said in `notes`, as the conflict check says it)."""
    reader = row_reader(dest)
    if reader is None or not changes:
        return [None] * len(changes)
    first, status = await _read_one(conn, reader, changes[0])
    if reader.inferred and status in NOT_READABLE:
        _say_not_readable(dest, reader, status, notes)
        try:
            current = await _reload(conn, dest, changes)
        except RestError:
            return [None] * len(changes)
        return [current.get(_key(c.key, dest.key)) for c in changes]
    rest = await asyncio.gather(*(_read_one(conn, reader, c) for c in changes[1:]))
    return [first, *(record for record, _ in rest)]


async def _read_one(
    conn: Connection, reader: RowReader, change: RowChange
) -> tuple[dict[str, Any] | None, int | None]:
    try:
        response = await get_row(conn, reader, change.values | change.key, change.row_id)
    except (RestError, PlanError):
        return None, None
    record = record_of(response, reader.records) if response.is_success else None
    return record, response.status_code


async def _check_row(conn: Connection, reader: RowReader, change: RowChange) -> RowResult | None:
    try:
        response = await get_row(conn, reader, change.values | change.key, change.row_id)
    except (RestError, PlanError) as exc:
        return RowResult(change.row_id, change.op, "failed", f"re-read failed: {exc}")
    if not response.is_success and response.status_code != 404:
        message = f"re-read failed: {response.status_code}"
        return RowResult(change.row_id, change.op, "failed", message, response.status_code)
    return _compare(change, record_of(response, reader.records) if response.is_success else None)


def _compare(change: RowChange, theirs: dict[str, Any] | None) -> RowResult | None:
    if theirs is None:
        return RowResult(change.row_id, change.op, "conflict", "deleted on the server", theirs={})
    expected = change.was if change.op == "update" else change.values
    differs = sorted(k for k, v in expected.items() if not _same(theirs.get(k), v))
    if not differs:
        return None
    message = f"changed on the server since it was loaded ({', '.join(differs)})"
    return RowResult(change.row_id, change.op, "conflict", message, theirs=theirs)


def _same(theirs: Any, loaded: Any) -> bool:
    # Loaded values may have been typed by the table (1 vs "1", 2.5 vs "2.50").
    if theirs == loaded:
        return True
    if isinstance(theirs, str) != isinstance(loaded, str) and isinstance(
        theirs if isinstance(loaded, str) else loaded, list | dict
    ):
        # a JSON column: one side holds the structure, the other its text (arrays load as text)
        text, value = (loaded, theirs) if isinstance(loaded, str) else (theirs, loaded)
        try:
            return bool(json.loads(text) == value)
        except ValueError:
            return False
    try:
        return float(theirs) == float(loaded)
    except (TypeError, ValueError):
        return str(theirs) == str(loaded)
