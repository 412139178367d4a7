"""Running the writeback engine in the tests of third-party servers, and watching the wire:
each request sent and the JSON it was answered with."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tui.config import parse_config
from tui.config.model import Destination, Integration
from tui.rest.connection import Connection
from tui.secrets import SecretStore
from tui.writeback.changes import RowChange
from tui.writeback.execute import write_back
from tui.writeback.results import RowResult


class Wire:
    """What went over the wire: each request and its parsed JSON answer, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.answers: list[Any] = []

    def attach(self, conn: Connection) -> None:
        # httpx event hooks on the connection's real clients: observation only.
        conn._clients.add_hooks(request=self._request, response=self._response)

    async def _request(self, request: httpx.Request) -> None:
        self.sent.append((request.method, str(request.url)))

    async def _response(self, response: httpx.Response) -> None:
        await response.aread()
        try:
            self.answers.append(response.json())
        except ValueError:
            self.answers.append(None)

    def count(self, method: str, fragment: str = "") -> int:
        return sum(1 for m, url in self.sent if m == method and fragment in url)


def configure(text: str, dest_id: str = "d") -> tuple[Integration, Destination]:
    config = parse_config(text)
    dest = config.destinations[dest_id]
    return config.integrations[dest.integration], dest


def run(
    integration: Integration,
    dest: Destination,
    changes: list[RowChange],
    wire: Wire | None = None,
    **kwargs: Any,
) -> list[RowResult]:
    async def go() -> list[RowResult]:
        async with Connection(integration, SecretStore()) as conn:
            if wire is not None:
                wire.attach(conn)
            return await write_back(conn, dest, changes, **kwargs)

    return asyncio.run(go())


def by_row(results: list[RowResult]) -> dict[int, RowResult]:
    return {r.row_id: r for r in results}


def update(row: dict[str, Any], etag: str | None = None, **changed: Any) -> RowChange:
    was = {k: row.get(k) for k in changed}
    return RowChange(row["id"], "update", {"id": row["id"]}, {**row, **changed}, changed, was, etag)


def insert(row_id: int, **values: Any) -> RowChange:
    return RowChange(row_id, "insert", {}, values, dict(values))


def delete(row: dict[str, Any]) -> RowChange:
    return RowChange(row["id"], "delete", {"id": row["id"]}, row, {}, {})
