"""The app when its state cannot be written at write-back time: one line on the progress
screen naming the state and the cause, nothing sent, the app still running and the
edit still pending; once the state takes writes again, the write-back goes through."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.support.app import app_for, loaded, wait_until
from tui.app.panes.status import StatusLine
from tui.demo import DemoServer
from tui.state import StateStore

pytestmark = pytest.mark.slow  # the app driven key by key against the demo server


async def test_a_locked_state_stops_the_write_back_with_one_line_and_the_app_runs_on(
    config: Path, state: StateStore, demo_server: DemoServer, tmp_path: Path
) -> None:
    from tui.app.screens.preview import PreviewScreen
    from tui.app.screens.progress import WritebackScreen

    state.db.read("PRAGMA busy_timeout = 200")  # a bounded wait that a test can sit out
    other = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        grid = app.grid
        grid.focus()
        while grid.cursor_column != "name":
            await pilot.press("right")
        await pilot.press("enter", *"Held back", "enter")
        await pilot.pause()
        before = demo_server.request_count
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), what="preview")
        other.execute("BEGIN IMMEDIATE")  # another process's write transaction
        await pilot.press("enter")  # write now
        await wait_until(pilot, lambda: isinstance(app.screen, WritebackScreen), what="progress")
        await wait_until(pilot, lambda: app.screen.finished, what="stopped")
        shown = str(app.screen.query_one("#status").render())
        assert f"the state at {tmp_path / 'state.db'} cannot be written" in shown
        assert "locked" in shown and "Traceback" not in shown
        assert demo_server.request_count == before, "nothing sent"
        await pilot.press("enter")  # close: the app runs on, the edit still pending
        await pilot.pause()
        assert "1 changed" in app.query_one(StatusLine).text
        other.execute("ROLLBACK")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), what="preview")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, WritebackScreen), what="progress")
        await wait_until(pilot, lambda: app.screen.finished, what="written")
    other.close()
    row = httpx.get(f"{demo_server.api_url}/products/1", timeout=10).json()
    assert row["name"] == "Held back"
