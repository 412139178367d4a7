"""What happens after a writeback (`after_write`): nothing, re-read rows, or a reload hook."""

from __future__ import annotations

import asyncio
from typing import Any

from tui.config.model import Config, Destination
from tui.rest.connection import Connection
from tui.rest.errors import RestError
from tui.rest.load import iter_pages
from tui.secrets import SecretStore
from tui.writeback.plan import PlanError
from tui.writeback.results import RowResult
from tui.writeback.rowread import RowReader, get_row, record_of, row_reader

UNREAD_SHOWN = 3  # rows named in the line when some could not be read again


async def after_write(
    config: Config,
    dest: Destination,
    conn: Connection,
    store: SecretStore,
    results: list[RowResult],
    keys: dict[int, dict[str, Any]],
) -> tuple[list[dict[str, Any]] | None, str]:
    """(fresh records or None, one line saying what was done); never raises RestError.

    `keys`: each written row's key by row id (new rows take theirs from the results)."""
    if dest.after_write == "none" or not any(r.status == "done" for r in results):
        return None, ""
    try:
        if dest.after_write == "hook":
            return None, await _hook(config, dest, store)
        done = [r for r in results if r.status == "done" and r.op != "delete"]
        reader = row_reader(dest)
        unread: list[str] = []
        if dest.after_write == "rows" and reader is not None and not reader.inferred:
            records = await _read_rows(conn, reader, done, keys, unread)
        else:
            written = {_key(r.assigned or keys.get(r.row_id, {}), dest) for r in done}
            records = await _reload(conn, dest, written)
    except RestError as exc:
        return None, f"after writeback: {dest.after_write} failed: {exc}"
    line = f"after writeback: reloaded {len(records)} rows"
    if unread:
        shown = unread[:UNREAD_SHOWN]
        if len(unread) > UNREAD_SHOWN:
            shown.append(f"{len(unread) - UNREAD_SHOWN} more")
        line += f"; {len(unread)} not read again: {'; '.join(shown)}"
    return records, line


async def _reload(
    conn: Connection, dest: Destination, written: set[tuple[str, ...]]
) -> list[dict[str, Any]]:
    # "rows" keeps only the rows written (memory stays small); "all" keeps every row.
    records: list[dict[str, Any]] = []
    async for page in iter_pages(conn, dest):
        if dest.after_write == "rows":
            records.extend(r for r in page.records if _key(r, dest) in written)
        else:
            records.extend(page.records)
    return records


async def _read_rows(
    conn: Connection,
    reader: RowReader,
    done: list[RowResult],
    keys: dict[int, dict[str, Any]],
    unread: list[str],
) -> list[dict[str, Any]]:
    """Each written row from [read_row], concurrently; a row that will not read is left
    as it is in the table (it was written; only its fresh values are missing) and, when
    the request failed, named in `unread` with why."""

    async def one(result: RowResult) -> dict[str, Any] | None:
        values = {**keys.get(result.row_id, {}), **result.assigned}
        try:
            response = await get_row(conn, reader, values, result.row_id)
        except PlanError:
            return None
        except RestError as exc:
            key = keys.get(result.row_id) or result.assigned
            named = " ".join(f"{k}={v}" for k, v in key.items()) or f"row {result.row_id}"
            unread.append(f"{named} ({exc.message})")
            return None
        return record_of(response, reader.records) if response.is_success else None

    found = await asyncio.gather(*(one(r) for r in done))
    return [record for record in found if record is not None]


def _key(values: dict[str, Any], dest: Destination) -> tuple[str, ...]:
    return tuple(str(values.get(k)) for k in dest.key)


async def _hook(config: Config, dest: Destination, store: SecretStore) -> str:
    hook = dest.reload_hook
    assert hook is not None  # the config validator requires it for after_write = "hook"
    async with Connection(config.integrations[hook.integration], store) as conn:
        url = conn.url(hook.path)
        body = hook.body.encode() if hook.body is not None else None
        headers = {"Content-Type": "application/json"} if body else {}
        response = await conn.request(hook.method, url, headers=headers, content=body)
        conn.raise_for_status(response)
        return f"after writeback: reload hook {conn.describe(hook.method, url)}: {response.status_code}"
