"""Conflict checks without ETags: re-read the rows and compare with what was loaded."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import httpx

from tui.config.model import Destination
from tui.rest.connection import Connection
from tui.rest.decode import find_records, flatten
from tui.rest.errors import RestError
from tui.rest.load import iter_pages
from tui.writeback.changes import RowChange
from tui.writeback.plan import PlanError, fill_path
from tui.writeback.results import RowResult


def needs_reread(dest: Destination, change: RowChange) -> bool:
    if change.op == "insert":
        return False
    if dest.conflict_check == "reread":
        return True
    operation = getattr(dest, change.op)
    if operation is not None and operation.array:
        return True  # one request for many rows carries no If-Match per row
    return change.etag is None  # auto / etag: If-Match covers rows with an ETag


def read_template(dest: Destination) -> str | None:
    """A path that GETs one row: the update or delete path, never a GET-writeback path."""
    for op in (dest.update, dest.delete):
        if op and op.enabled and op.method != "GET" and "{" in op.path:
            return op.path
    return None


async def find_conflicts(
    conn: Connection, dest: Destination, changes: Iterable[RowChange]
) -> dict[int | str, RowResult]:
    """Rows whose server values differ from the loaded ones, as conflict results."""
    rows = [c for c in changes if needs_reread(dest, c)]
    template = read_template(dest)
    if not rows:
        return {}
    if template is None:
        checked = await _check_by_reload(conn, dest, rows)
    else:
        checked = await asyncio.gather(*(_check_row(conn, dest, template, c) for c in rows))
    return {result.row_id: result for result in checked if result is not None}


async def _check_by_reload(
    conn: Connection, dest: Destination, rows: list[RowChange]
) -> list[RowResult | None]:
    """No per-row path (a batch endpoint): read the table again, keeping only these rows."""
    wanted = {_key(c.key, dest.key): c for c in rows}
    current: dict[tuple[str, ...], dict[str, Any]] = {}
    try:
        async for page in iter_pages(conn, dest):
            for record in page.records:
                key = _key(record, dest.key)
                if key in wanted:
                    current[key] = record
    except RestError as exc:
        return [RowResult(c.row_id, c.op, "failed", f"re-read failed: {exc}") for c in rows]
    return [_compare(change, current.get(key)) for key, change in wanted.items()]


def _key(values: dict[str, Any], key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(str(values.get(k)) for k in key)


async def read_row(conn: Connection, dest: Destination, change: RowChange) -> dict[str, Any] | None:
    """The server's current record of a changed row (after a 412), or None if unreadable."""
    template = read_template(dest)
    if template is None:
        return None
    try:
        response = await _get_row(conn, template, change)
    except (RestError, PlanError):
        return None
    return _record(response, dest.load.records) if response.is_success else None


async def _get_row(conn: Connection, template: str, change: RowChange) -> httpx.Response:
    url = conn.url(fill_path(template, change.values | change.key, change.row_id))
    return await conn.request("GET", url, headers={"Accept": "application/json"})


async def _check_row(
    conn: Connection, dest: Destination, template: str, change: RowChange
) -> RowResult | None:
    try:
        response = await _get_row(conn, template, change)
    except (RestError, PlanError) as exc:
        return RowResult(change.row_id, change.op, "failed", f"re-read failed: {exc}")
    theirs = _record(response, dest.load.records)
    if not response.is_success and response.status_code != 404:
        message = f"re-read failed: {response.status_code}"
        return RowResult(change.row_id, change.op, "failed", message, response.status_code)
    return _compare(change, theirs if response.is_success else None)


def _compare(change: RowChange, theirs: dict[str, Any] | None) -> RowResult | None:
    if theirs is None:
        return RowResult(change.row_id, change.op, "conflict", "deleted on the server", theirs={})
    expected = change.was if change.op == "update" else change.values
    differs = sorted(k for k, v in expected.items() if not _same(theirs.get(k), v))
    if not differs:
        return None
    message = f"changed on the server since it was loaded ({', '.join(differs)})"
    return RowResult(change.row_id, change.op, "conflict", message, theirs=theirs)


def _record(response: httpx.Response, records_path: str) -> dict[str, Any] | None:
    try:
        document = response.json()
    except ValueError:
        return None
    if isinstance(document, dict) and records_path and records_path in document:
        found = find_records(document, records_path)
    elif isinstance(document, list):
        found = document
    else:
        found = [document]
    first = found[0] if found else None
    return flatten(first) if isinstance(first, dict) else None


def _same(theirs: Any, loaded: Any) -> bool:
    # Loaded values may have been typed by the table (1 vs "1", 2.5 vs "2.50").
    if theirs == loaded:
        return True
    try:
        return float(theirs) == float(loaded)
    except (TypeError, ValueError):
        return str(theirs) == str(loaded)
