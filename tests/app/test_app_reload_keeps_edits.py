"""Reloads and cancelled loads keep the pending edits: counted in the status line,
marked in the grid, in the table's change set and in the journal, before, during and
after a reload, a cancelled one, and one cancelled before its first row."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.app import ALICE, app_for, loaded, wait_until, write_config
from tui.app.app import WritebackApp
from tui.app.panes.status import StatusLine
from tui.demo import DemoServer
from tui.state import StateStore
from tui.table import Table

pytestmark = pytest.mark.slow  # the app against a demo server that answers slowly

DEST = "products"


def status(app: WritebackApp) -> str:
    return app.query_one(StatusLine).text


def marks(app: WritebackApp, count: int) -> str:
    """The gutter mark of the first `count` rows on screen ("~" changed, "-" deleted)."""
    body = app.grid._body
    found = (re.match(r"\s*\d+(.)", body.render_line(1 + i).text) for i in range(count))
    return "".join(m.group(1) if m else "?" for m in found)


def normal(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot with its lists in a fixed order: equal change sets compare equal."""
    return {
        part: sorted(json.dumps(item, sort_keys=True) for item in snapshot[part])
        for part in ("updates", "inserts", "deletes", "errors")
    }


def journaled(state: StateStore) -> dict[str, Any]:
    draft = state.journal.load(ALICE.login, DEST)
    assert draft is not None
    return normal(draft.snapshot)


def change_lines(table: Table) -> list[dict[str, object]]:
    return [c.to_json() for c in table.changes()]


async def reload_until(pilot: Any, app: WritebackApp, condition: Callable[[], object]) -> None:
    await pilot.press("r")
    await wait_until(pilot, lambda: app.loader.busy, what="reloading")
    await wait_until(pilot, condition, what="rows in")


async def test_reload_cancel_and_reload_again_keep_every_pending_edit(
    tmp_path: Path, make_demo_server: Callable[..., DemoServer]
) -> None:
    server = make_demo_server()
    config = write_config(tmp_path, server.api_url)
    with StateStore(tmp_path / "state.db") as state:
        app = app_for(config, state)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot)
            ws = app.bench.ws
            assert ws is not None
            for row, column, value in ((0, "name", "Edited"), (1, "qty", 7), (2, "price", 9.5)):
                assert ws.table.edit(row, column, value)
            ws.table.add_row({"sku": "PRD-99999", "name": "New one"})
            ws.table.delete_rows([3])
            ws.journal()
            app.show_state()
            assert "3 changed, 1 new, 1 deleted" in status(app)
            assert marks(app, 5) == "~~~- "

            # a reload, slow enough to be seen half way: the edits show as their rows come
            server.service.latency = 0.4
            await reload_until(pilot, app, lambda: ws.table.loaded_count >= 1000)
            await pilot.pause()
            assert app.loader.busy and "loading" in status(app)
            assert "3 changed, 1 new, 1 deleted" in status(app)
            assert marks(app, 5) == "~~~- "
            # an edit made meanwhile journals the whole change set, not the rows so far
            assert ws.table.edit(4, "name", "Also edited")
            ws.journal()
            expected = normal(ws.table.snapshot())
            assert len(expected["updates"]) == 4 and len(expected["deletes"]) == 1
            assert journaled(state) == expected

            # esc: the rows so far stay, read-only, every edit still there and counted
            await pilot.press("escape")
            await wait_until(pilot, lambda: not app.loader.busy, what="cancelled")
            await pilot.pause()
            assert ws.table.loaded_count < 5000 and app.grid.read_only
            assert "4 changed, 1 new, 1 deleted" in status(app)
            assert marks(app, 5) == "~~~-~"
            assert normal(ws.table.snapshot()) == expected == journaled(state)

            # a reload cancelled before its first row
            server.service.latency = 2.0
            await pilot.press("r")
            await wait_until(pilot, lambda: app.loader.busy, what="reloading")
            await pilot.press("escape")
            await wait_until(pilot, lambda: not app.loader.busy, what="cancelled")
            await pilot.pause()
            assert ws.table.loaded_count == 0
            assert "4 changed, 1 new, 1 deleted" in status(app)
            assert normal(ws.table.snapshot()) == expected == journaled(state)

            # and one that completes: the change set is the one before, on the rows by key
            server.service.latency = 0.0
            await pilot.press("r")
            await wait_until(pilot, lambda: DEST in app.bench.loaded, what="reloaded")
            await pilot.pause()
            assert ws.table.loaded_count == 5000 and not app.grid.read_only
            assert "4 changed, 1 new, 1 deleted" in status(app)
            assert marks(app, 5) == "~~~-~"
            assert normal(ws.table.snapshot()) == expected == journaled(state)
            ids = [line.get("key") for line in change_lines(ws.table)]
            assert ids == [None, {"id": 1}, {"id": 2}, {"id": 3}, {"id": 5}, {"id": 4}]


async def test_an_edit_whose_row_left_the_server_is_kept_and_said(
    config: Path, state: StateStore, demo_server: DemoServer
) -> None:
    app = app_for(config, state)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        ws = app.bench.ws
        assert ws is not None
        assert ws.table.edit(ws.table.find({"id": 7}), "name", "Mine")
        assert ws.table.edit(ws.table.find({"id": 8}), "name", "Also mine")
        ws.journal()
        before = normal(ws.table.snapshot())
        httpx.delete(f"{demo_server.api_url}/products/7", timeout=10).raise_for_status()
        await pilot.press("r")
        await wait_until(pilot, lambda: DEST in app.bench.loaded, what="reloaded")
        await pilot.pause()
        assert ws.table.loaded_count == 4999
        assert "2 changed" in status(app)
        assert normal(ws.table.snapshot()) == before == journaled(state)
        assert [line["key"] for line in change_lines(ws.table)] == [{"id": 8}]  # not sent
        assert any("no longer on the server" in n.message for n in app._notifications)


async def test_a_reload_cancelled_at_no_rows_leaves_the_journal_whole(
    tmp_path: Path, make_demo_server: Callable[..., DemoServer]
) -> None:
    server = make_demo_server()
    config = write_config(tmp_path, server.api_url)
    with StateStore(tmp_path / "state.db") as state:
        app = app_for(config, state)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot)
            ws = app.bench.ws
            assert ws is not None
            for row in range(7):
                assert ws.table.edit(row, "qty", 100 + row)
            ws.table.delete_rows([9])
            ws.journal()
            expected = journaled(state)
            server.service.latency = 0.2
            await pilot.press("r")  # a complete reload first, as the report had it
            await wait_until(pilot, lambda: DEST in app.bench.loaded, what="reloaded")
            server.service.latency = 2.0
            await pilot.press("r")
            await wait_until(pilot, lambda: app.loader.busy, what="reloading")
            await pilot.press("escape")
            await wait_until(pilot, lambda: not app.loader.busy, what="cancelled")
            await pilot.pause()
            assert journaled(state) == expected
            server.service.latency = 0.0
            await pilot.press("r")
            await wait_until(pilot, lambda: DEST in app.bench.loaded, what="reloaded")
            await pilot.pause()
            assert "7 changed, 1 deleted" in status(app)
            assert journaled(state) == expected == normal(ws.table.snapshot())


async def test_a_failed_reload_keeps_every_pending_edit(
    tmp_path: Path, make_demo_server: Callable[..., DemoServer]
) -> None:
    server = make_demo_server()
    config = write_config(tmp_path, server.api_url)
    with StateStore(tmp_path / "state.db") as state:
        app = app_for(config, state)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot)
            ws = app.bench.ws
            assert ws is not None
            assert ws.table.edit(0, "name", "Edited")
            ws.table.delete_rows([1])
            ws.journal()
            expected = journaled(state)
            server.service.inject_faults(1, status=400)  # the reload's first page
            await pilot.press("r")
            await wait_until(pilot, lambda: "load failed" in (app.grid.read_only or ""))
            await pilot.pause()
            assert "1 changed, 1 deleted" in status(app)
            assert normal(ws.table.snapshot()) == expected == journaled(state)
            await pilot.press("r")
            await wait_until(pilot, lambda: DEST in app.bench.loaded, what="reloaded")
            await pilot.pause()
            assert marks(app, 3) == "~- "
            assert normal(ws.table.snapshot()) == expected == journaled(state)
