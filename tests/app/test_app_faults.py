"""What the app shows under faults: the fault proxy between the app and the demo server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import fault_proxy as fp
from tests.support.app import app_for, loaded, wait_until, write_config
from tests.support.screens import server_row, workspace, write_to_the_end
from tui.state import StateStore

pytestmark = pytest.mark.slow  # the app driven through the fault proxy


def through(proxy: fp.FaultProxy, server: Any) -> str:
    return server.api_url.replace(server.url, proxy.url)


async def test_progress_names_each_faulted_row_and_the_lock_is_released(
    demo_server: Any, tmp_path: Path, fault_proxy: Callable[..., fp.FaultProxy]
) -> None:
    proxy = fault_proxy(demo_server.url)
    ws = workspace(through(proxy, demo_server), tmp_path)
    await ws.load()
    before = {pid: server_row(demo_server, pid)["qty"] for pid in (1, 2, 3)}
    for pid in (1, 2, 3):
        ws.table.edit(ws.table.find({"id": pid}), "qty", 9000 + pid)
    proxy.add(fp.reset(forward=False), method="PATCH", path=r"/products/2$")
    proxy.add(fp.status(500, b'{"error": "disk full"}'), method="PATCH", path=r"/products/3$")
    report, shown = await write_to_the_end(ws)
    assert shown["summary"].startswith("1 updated, 1 failed, 1 outcome unknown")
    log = shown["log"]
    assert "update id=1 done" in log
    assert "update id=2 unknown" in log and "outcome unknown, check the server" in log
    assert "update id=3 failed 500" in log and "disk full" in log
    assert "Traceback" not in log
    assert server_row(demo_server, 1)["qty"] == 9001
    assert [server_row(demo_server, pid)["qty"] for pid in (2, 3)] == [before[2], before[3]]
    assert ws.lock_state() is None
    assert ws.held == {ws.table.find({"id": 2})}
    assert {c.row for c in ws.table.changes()} == {ws.table.find({"id": pid}) for pid in (2, 3)}
    assert report is not None and len(report.results) == 3


async def test_a_failing_load_is_one_line_and_the_app_lives_on(
    demo_server: Any, tmp_path: Path, fault_proxy: Callable[..., fp.FaultProxy]
) -> None:
    proxy = fault_proxy(demo_server.url)
    proxy.add(fp.html_error(502), method="GET", path=r"/products\?", times=-1)
    config = write_config(tmp_path, through(proxy, demo_server))
    config.write_text(config.read_text().replace("timeout = 10\n", "timeout = 10\nbackoff = 0\n"))
    with StateStore(tmp_path / "state.db") as state:
        app = app_for(config, state)
        async with app.run_test(size=(120, 40)) as pilot:
            bar = app.query_one("#loadbar")
            await wait_until(pilot, lambda: "load failed" in str(bar.render()), what="failure")
            shown = str(bar.render())
            assert f"GET {proxy.url}/api/v1/products" in shown and "502" in shown
            assert "<" not in shown and "\n" not in shown.strip()
            assert "products" not in app.bench.loaded and app.grid.read_only
            proxy.clear()
            await pilot.press("r")
            await loaded(pilot)
            assert app.grid.table.row_count == 5000
            assert app.is_running
