"""The main screen as a picture, at 80x24 and 160x50, on the demo server's seeded rows.

Nothing in it depends on the clock or the machine: a fixed identity, a fresh
state (no locks, an empty audit trail), checks finished before the picture.
Update with `pytest tests/app/test_app_snapshots.py --snapshot-update` and look at
the SVGs in tests/__snapshots__/ before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.support.app import app_for, loaded, wait_until, write_config
from tui.app.panes.integrations import IntegrationsPane
from tui.demo import DemoServer
from tui.state import StateStore


async def _settled(pilot: Pilot) -> None:
    app = await loaded(pilot)
    statuses = app.query_one(IntegrationsPane).statuses
    await wait_until(pilot, lambda: statuses["demo"].mark == "✓", what="check done")
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_main_screen(
    snap_compare: object, tmp_path: Path, demo_server: DemoServer, size: tuple[int, int]
) -> None:
    config = write_config(tmp_path, demo_server.api_url)
    with StateStore(tmp_path / "state.db") as state:
        app = app_for(config, state)
        assert snap_compare(app, terminal_size=size, run_before=_settled)  # type: ignore[operator]
