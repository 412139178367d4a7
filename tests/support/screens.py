"""The writeback screens harness: a screen pushed on its own, a workspace on the demo
config, and the rows it needs (tests/app/test_app_screens.py and the modules that reuse it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from textual.app import App
from textual.screen import Screen
from textual.widgets import Label, ProgressBar, RichLog

from tui.app.screens.progress import WritebackScreen
from tui.config import parse_config
from tui.demo.config_text import demo_config_text
from tui.secrets import SecretStore
from tui.state import Identity, StateStore
from tui.workspace import Conflict, Preview, Workspace

SIZE = (100, 30)
ALICE = Identity("alice", "testhost", 1, None)
RECORDS = [
    {
        "id": i,
        "sku": f"PRD-{i:05d}",
        "name": f"Widget {i}",
        "region": "EMEA",
        "price": 9.5,
        "qty": 10 * i,
        "active": True,
        "launch_date": "2024-01-01",
        "_etag": f'"e{i}"',
    }
    for i in (1, 2, 3)
]


class Harness(App[None]):
    """Pushes one screen and records what it dismissed with."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.under_test = screen
        self.dismissed: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.under_test, self.dismissed.append)

    async def press_through(self, *keys: str) -> Harness:
        """Run the screen, press `keys` as a person would, and return when done."""
        async with self.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press(*keys)
            await pilot.pause()
        return self


def text_of(app: App[Any], selector: str) -> str:
    return str(app.screen.query_one(selector, Label).render())


def workspace(api_url: str, tmp_path: Path) -> Workspace:
    state_path = tmp_path / "state.db"
    config = parse_config(demo_config_text(api_url, state_path), tmp_path / "writeback.toml")
    return Workspace(config, "products", StateStore(state_path), ALICE, SecretStore())


def offline_preview(tmp_path: Path) -> Preview:
    """A real preview of one insert, one update and one delete; nothing is contacted."""
    ws = workspace("http://127.0.0.1:8765/api/v1", tmp_path)
    ws.table.append_page(RECORDS)
    ws.table.edit(ws.table.find({"id": 1}), "qty", 70)
    ws.table.delete_rows([ws.table.find({"id": 2})])
    ws.table.add_row({"sku": "PRD-00009", "name": "New", "region": "APAC", "qty": 1})
    return ws.preview()


async def loaded(server: Any, tmp_path: Path) -> Workspace:
    ws = workspace(server.api_url, tmp_path)
    await ws.load()
    return ws


async def write_to_the_end(ws: Workspace) -> tuple[Any, dict[str, str]]:
    """Run the writeback screen until it is done; what it dismissed with, and what it showed."""
    app = Harness(WritebackScreen(ws, ws.sending()))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        log_lines = [strip.text for strip in app.screen.query_one("#results", RichLog).lines]
        shown = {
            "status": text_of(app, "#status"),
            "summary": text_of(app, "#summary"),
            "log": " ".join(" ".join(line.split()) for line in log_lines),
            "bar": "{0.progress:g}/{0.total:g}".format(app.screen.query_one(ProgressBar)),
        }
        await pilot.press("enter")
        await pilot.pause()
    [dismissed] = app.dismissed
    return dismissed, shown


def server_row(server: Any, row_id: int) -> dict[str, Any]:
    return httpx.get(f"{server.api_url}/products/{row_id}", timeout=10).json()


def conflicts() -> list[Conflict]:
    return [
        Conflict(11, {"id": 1}, {"qty": 10}, {"qty": 70}, {"qty": 15}),
        Conflict(12, {"id": 2}, {"name": "A"}, {"name": "Mine"}, {"name": "Theirs"}),
        Conflict(13, {"id": 3}, {"price": 1.5}, {"price": 2.5}, {}),
    ]
