"""A JSON column edited and written back: the conflict check compares the server's
structure with the text the table keeps, so an unchanged row is no conflict."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.state_support import who
from tui.config import parse_config
from tui.demo import DemoServer
from tui.demo.config_text import demo_config_text
from tui.secrets import SecretStore
from tui.state import StateStore
from tui.workspace import Workspace


async def test_an_edited_json_cell_is_written_without_a_false_conflict(
    tmp_path: Path, demo_server: DemoServer
) -> None:
    config = parse_config(demo_config_text(demo_server.api_url, tmp_path / "state.db"))
    with StateStore(tmp_path / "state.db") as state:
        ws = Workspace(config, "web_integrations", state, who("alice"), SecretStore())
        await ws.load()
        table = ws.table
        row = next(r for r in range(table.row_count) if table.value(r, "validOrigins"))
        ident = table.value(row, "id")
        assert table.edit_text(row, "validOrigins", '["https://x.example"]')
        report = await ws.write_back()
    assert [r.status for r in report.results] == ["done"], [r.message for r in report.results]
    answer = httpx.get(f"{demo_server.api_url}/web-integrations/{ident}", timeout=10).json()
    assert answer["validOrigins"] == ["https://x.example"]
