"""Reading one row back from the server: for conflict checks, theirs after a 412, and
after_write = "rows". Where `[read_row]` is not configured, the update (or delete) path
is assumed to answer GET with the row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tui.config.model import Destination
from tui.rest.client import Credentials, split_values
from tui.rest.connection import Connection
from tui.rest.decode import find_records, flatten, has_path
from tui.writeback.plan import fill_path

# answers that say "this path does not GET", not "this row is unreadable"
NOT_READABLE = (405, 501)


@dataclass(frozen=True)
class RowReader:
    path: str
    records: str
    inferred: bool  # guessed from a write path: may not answer GET at all
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)


def row_reader(dest: Destination) -> RowReader | None:
    """How one row of `dest` is read, or None: only the whole table can be re-read."""
    if dest.read_row is not None:
        r = dest.read_row
        return RowReader(r.path, r.records, False, dict(r.params), dict(r.headers))
    for op in (dest.update, dest.delete):
        if op and op.enabled and op.method != "GET" and "{" in op.path:
            return RowReader(op.path, dest.load.records, True)
    return None


async def get_row(
    conn: Connection, reader: RowReader, values: dict[str, Any], row_id: int
) -> httpx.Response:
    """GET one row; PlanError when a placeholder has no value, RestError on the wire."""
    params, secret_params = split_values(reader.params, conn.store, headers=False)
    headers, secret_headers = split_values(reader.headers, conn.store, headers=True)
    url = conn.url(fill_path(reader.path, values, row_id), {**conn.params, **params})
    return await conn.request(
        "GET",
        url,
        headers={"Accept": "application/json", **headers},
        credentials=Credentials(secret_headers, secret_params),
    )


def record_of(response: httpx.Response, records_path: str) -> dict[str, Any] | None:
    """The row in an answer: under `records_path` where the body has it (a table's path
    often wraps only lists), else the body itself or a list's first element, flattened
    as loading flattens rows."""
    try:
        document = response.json()
    except ValueError:
        return None
    if isinstance(document, dict) and records_path and has_path(document, records_path):
        found = find_records(document, records_path)
    elif isinstance(document, list):
        found = document
    else:
        found = [document]
    first = found[0] if found else None
    return flatten(first) if isinstance(first, dict) else None
