"""An intent before every request, its outcome with its audit entry; a state that stops
taking writes stops the writeback; every request that writes is audited."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.support.state_backends import StateBackend
from tests.support.state_support import who, write_config
from tui.config.load import load_config
from tui.secrets import SecretStore
from tui.state.errors import StateUnwritable
from tui.state.store import StateStore
from tui.workspace import Workspace

pytestmark = pytest.mark.servers

IDS = list(range(31, 41))
ALICE = who("alice")


def _workspace(config: Path, state: StateStore, dest: str = "products") -> Workspace:
    return Workspace(load_config(config), dest, state, ALICE, SecretStore())


def _tap_patches(server: Any, on_patch: Any) -> None:
    handle = server.service.handle

    def tapped(request: Any) -> Any:
        if request.method == "PATCH":
            on_patch(int(request.path.rsplit("/", 1)[1]))
        return handle(request)

    server.service.handle = tapped


async def test_each_row_has_its_intent_before_its_request_and_none_before_that(
    tmp_path: Path, make_demo_server
) -> None:
    server = make_demo_server()
    config = write_config(tmp_path, server, integration="max_concurrency = 1\n")
    seen: list[tuple[int, set[int], set[int]]] = []

    def look(row_id: int) -> None:  # from the server's thread, in a connection of its own
        with sqlite3.connect(tmp_path / "state.db") as db:
            rows = db.execute("SELECT ident, outcome FROM intents").fetchall()
        ids = {json.loads(ident)["key"]["id"]: outcome for ident, outcome in rows}
        seen.append(
            (row_id, {i for i, o in ids.items() if o is None}, {i for i, o in ids.items() if o})
        )

    _tap_patches(server, look)
    with StateStore(tmp_path / "state.db") as state:
        ws = _workspace(config, state)
        await ws.load()
        for row_id in IDS:
            ws.table.edit(ws.table.find({"id": row_id}), "qty", 5000 + row_id)
        report = await ws.write_back()
        assert report.summary == f"{len(IDS)} updated"
        # the run is over: its rows are in the audit and the draft, no intent is left
        assert state.db.read("SELECT count(*) FROM intents") == [(0,)]
        audited = [e for e in state.audit.query(destination="products", limit=None)]
    assert len(seen) == len(IDS)
    for n, (row_id, open_rows, answered) in enumerate(seen):
        assert open_rows == {row_id}, "one request at a time: only its row is in flight"
        assert len(answered) == n, "the rows before it have their outcomes"
    assert sorted(e.row_key["id"] for e in audited if e.event == "update") == IDS


class _Holder:
    """Another connection that takes the state's write lock (SQLite: the file's; PostgreSQL:
    the audit table's) and lets it go."""

    def __init__(self, backend: StateBackend) -> None:
        self.backend = backend
        if backend.name == "sqlite":
            self.sqlite = sqlite3.connect(
                backend.target, isolation_level=None, check_same_thread=False
            )
        else:
            import psycopg

            self.pg = psycopg.connect(backend.target)

    def take(self) -> None:
        if self.backend.name == "sqlite":
            self.sqlite.execute("BEGIN IMMEDIATE")
        else:
            self.pg.execute("LOCK TABLE audit IN EXCLUSIVE MODE")

    def release(self) -> None:
        if self.backend.name == "sqlite":
            self.sqlite.execute("ROLLBACK")
            self.sqlite.close()
        else:
            self.pg.rollback()
            self.pg.close()


async def test_a_state_that_stops_taking_writes_stops_the_writeback(
    tmp_path: Path, make_demo_server, monkeypatch: pytest.MonkeyPatch, state_backend: StateBackend
) -> None:
    """Another process takes the state's write lock while the 4th request is at the
    server: its answer cannot be audited, and no request leaves after it. Once the lock
    is gone, the next writeback first audits that answer, then sends the rest, once."""
    monkeypatch.setattr("tui.state.sqlite_db.BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr("tui.state.postgres_db.LOCK_TIMEOUT_MS", 200)
    server = make_demo_server()
    config = write_config(
        tmp_path, server, integration="max_concurrency = 1\n", state=state_backend
    )
    patched: list[int] = []
    with state_backend():
        pass  # created and migrated before the other connection opens it
    other = _Holder(state_backend)

    def at_server(row_id: int) -> None:
        patched.append(row_id)
        if len(patched) == 4:
            other.take()

    _tap_patches(server, at_server)
    with state_backend() as state:
        ws = _workspace(config, state)
        await ws.load()
        for row_id in IDS:
            ws.table.edit(ws.table.find({"id": row_id}), "qty", 6000 + row_id)
        with pytest.raises(StateUnwritable) as failed:
            await ws.write_back()
        assert state.where in str(failed.value)
        assert "lock" in str(failed.value)
        assert patched == IDS[:4], "nothing more sent once the state failed"
        # written rows are not pending; rows never sent are plain pending, not held
        assert {c.key["id"] for c in ws.table.changes()} == set(IDS[4:])
        assert not ws.held
        other.release()
        report = await ws.write_back()
        assert report.summary == f"{len(IDS) - 4} updated"
        entries = state.audit.query(destination="products", limit=None)
    assert patched == IDS, "each row sent once"
    assert sorted(e.row_key["id"] for e in entries if e.event == "update") == IDS


@pytest.mark.slow
async def test_send_all_audits_every_row_it_sends(tmp_path: Path, make_demo_server) -> None:
    server = make_demo_server()
    config = write_config(tmp_path, server)
    text = config.read_text().replace(
        "[destinations.products_batch]\n", '[destinations.products_batch]\nsend = "all"\n', 1
    )
    config.write_text(text)
    with StateStore(tmp_path / "state.db") as state:
        ws = _workspace(config, state, "products_batch")
        await ws.load()
        ws.table.edit(ws.table.find({"id": 31}), "qty", 31_031)
        report = await ws.write_back()
        entries = state.audit.query(destination="products_batch", limit=None)
    assert len(report.results) == ws.table.loaded_count
    updates = [e for e in entries if e.event == "update"]
    assert len(updates) == ws.table.loaded_count, "every row a request carried is audited"
    assert {e.row_key["id"] for e in updates} == {r["id"] for r in server_ids(ws)}


def server_ids(ws: Workspace) -> list[dict[str, Any]]:
    return [ws.table.key_of(row) for row in ws.table.loaded_rows()]
