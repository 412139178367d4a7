"""Writeback screens: preview, progress against the demo server, conflict choices."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console
from textual.widgets import Log

from tests.support.screens import (
    SIZE,
    Harness,
    conflicts,
    loaded,
    offline_preview,
    server_row,
    text_of,
    write_to_the_end,
)
from tui.app.screens.conflicts import ConflictRow, ConflictScreen
from tui.app.screens.preview import PreviewScreen
from tui.app.screens.progress import WritebackScreen
from tui.state import Identity
from tui.workspace import Preview
from tui.writeback.dryrun import ShownRequest

# ----------------------------------------------------------- preview


@pytest.mark.parametrize(("key", "written"), [("enter", True), ("w", True), ("escape", False)])
async def test_preview_shows_words_and_requests(tmp_path: Path, key: str, written: bool) -> None:
    preview = offline_preview(tmp_path)
    app = Harness(PreviewScreen(preview))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert text_of(app, "#words") == "add 1 row, change 1 value, delete 1 row"
        assert text_of(app, "#counts") == "3 rows in 3 requests"
        lines = list(app.screen.query_one("#requests", Log).lines)
        assert "PATCH http://127.0.0.1:8765/api/v1/products/1" in lines
        assert "DELETE http://127.0.0.1:8765/api/v1/products/2" in lines
        assert any('"value": 70' in line for line in lines)
        await pilot.press(key)
        await pilot.pause()
    assert app.dismissed == [written]


async def test_problems_disable_writing(tmp_path: Path) -> None:
    preview = Preview(
        "change 2 values",
        2,
        [ShownRequest("update", "PATCH", "http://h/p/1", {}, None, 1, "PATCH http://h/p/1", "")],
        ["row id=1, qty: must be at least 0", "row id=2, sku: required"],
    )
    app = Harness(PreviewScreen(preview))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        problems = str(app.screen.query_one("#problems").render())
        await pilot.press("enter", "w")
        await pilot.pause()
        assert app.dismissed == []
        await pilot.press("escape")
        await pilot.pause()
    assert "Nothing can be written until 2 problems are fixed" in problems
    assert "row id=2, sku: required" in problems
    assert app.dismissed == [False]


@pytest.mark.slow
async def test_curl_view_and_copy(tmp_path: Path) -> None:
    preview = offline_preview(tmp_path)
    app = Harness(PreviewScreen(preview))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        lines = list(app.screen.query_one("#requests", Log).lines)
        assert lines == preview.curls
        assert "c shows requests" in text_of(app, "#view")
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == "\n".join(preview.curls) + "\n"
        await pilot.press("c")
        await pilot.pause()
        assert app.screen.query_one("#requests", Log).lines[0] == "--- request 1 of 3"
    assert all(curl.startswith("curl -X ") for curl in preview.curls)


# ----------------------------------------------------------- progress


@pytest.mark.slow
async def test_writeback_writes_rows_and_lists_failures(demo_server: Any, tmp_path: Path) -> None:
    ws = await loaded(demo_server, tmp_path)
    price_before = server_row(demo_server, 2)["price"]
    ws.table.edit(ws.table.find({"id": 1}), "qty", 4321)
    ws.table.edit(ws.table.find({"id": 2}), "price", 1.234)  # the server takes 2 decimals only
    ws.table.edit(ws.table.find({"id": 3}), "name", "Renamed by alice")
    new = ws.table.add_row({"sku": "PRD-99999", "name": "Fresh"})  # the server assigns the id
    report, shown = await write_to_the_end(ws)
    assert {r.row_id: r.status for r in report.results} == {
        ws.table.find({"id": 1}): "done",
        ws.table.find({"id": 2}): "failed",
        ws.table.find({"id": 3}): "done",
        new: "done",
    }
    assert shown["summary"].startswith("1 inserted, 2 updated, 1 failed")
    assert "press enter to close" in shown["status"].lower()
    assert shown["bar"] == "4/4"
    [assigned] = [r.assigned["id"] for r in report.results if r.op == "insert"]
    assert f"insert id={assigned} done 201" in shown["log"]
    assert server_row(demo_server, assigned)["name"] == "Fresh"
    log_text = shown["log"]
    assert log_text.count(" failed 400 ") == 1
    assert (
        "update id=2 failed 400 400 Bad Request: Invalid value: price must have at most 2 decimal places"
        in log_text
    )
    assert "update id=1 done 204" in log_text and "update id=3 done 204" in log_text
    assert server_row(demo_server, 1)["qty"] == 4321
    assert server_row(demo_server, 3)["name"] == "Renamed by alice"
    assert server_row(demo_server, 2)["price"] == price_before
    assert "2 decimal places" in (ws.table.row_error(ws.table.find({"id": 2})) or "")


async def test_writeback_conflict_comes_back_in_the_report(
    demo_server: Any, tmp_path: Path
) -> None:
    ws = await loaded(demo_server, tmp_path)
    httpx.patch(f"{demo_server.api_url}/products/5", json={"qty": 999}, timeout=10)
    row = ws.table.find({"id": 5})
    ws.table.edit(row, "qty", 1)
    report, shown = await write_to_the_end(ws)
    assert "1 conflict" in shown["summary"]
    assert [c.row for c in report.conflicts] == [row]
    assert server_row(demo_server, 5)["qty"] == 999


@pytest.mark.slow
async def test_escape_while_writing_waits_for_the_end(
    make_demo_server: Any, tmp_path: Path
) -> None:
    server = make_demo_server(latency=0.05)
    ws = await loaded(server, tmp_path)
    ws.table.edit(ws.table.find({"id": 7}), "qty", 77)
    server.service.latency = 0.6  # long enough to press escape mid-request
    app = Harness(WritebackScreen(ws, ws.sending()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        status = text_of(app, "#status")
        still_open = app.screen is app.under_test
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert still_open and "it will finish" in status
    assert app.dismissed[0].summary == "1 updated"
    assert server_row(server, 7)["qty"] == 77


async def test_writeback_refused_by_a_lock(demo_server: Any, tmp_path: Path) -> None:
    ws = await loaded(demo_server, tmp_path)
    ws.state.locks.acquire("products", Identity("bob", "otherhost", 4242, None), 900, manual=True)
    ws.table.edit(ws.table.find({"id": 1}), "qty", 5)
    report, shown = await write_to_the_end(ws)
    assert "locked by bob@otherhost" in shown["status"]
    assert report is None
    assert server_row(demo_server, 1)["qty"] != 5


# ----------------------------------------------------------- conflicts


@pytest.mark.slow
@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["enter"], {11: "skip", 12: "skip", 13: "skip"}),
        (["o", "t", "enter"], {11: "overwrite", 12: "theirs", 13: "skip"}),
        (["down", "down", "o", "up", "up", "t", "enter"], {11: "theirs", 12: "skip", 13: "overwrite"}),
        (["O", "enter"], {11: "overwrite", 12: "overwrite", 13: "overwrite"}),
        (["T", "s", "enter"], {11: "skip", 12: "theirs", 13: "theirs"}),
        (["O", "escape"], {11: "skip", 12: "skip", 13: "skip"}),
    ],
)  # fmt: skip
async def test_conflict_choices(keys: list[str], expected: dict[int, str]) -> None:
    app = await Harness(ConflictScreen(conflicts())).press_through(*keys)
    assert app.dismissed == [expected]


async def test_conflict_shows_loaded_mine_and_theirs() -> None:
    app = Harness(ConflictScreen(conflicts()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first, _, third = app.screen.query(ConflictRow)
        assert first.border_title == "id=1" and first.border_subtitle.startswith("skip")
        await pilot.press("o")
        await pilot.pause()
        assert first.border_subtitle.startswith("overwrite")
        assert app.screen.focused is app.screen.query(ConflictRow)[1]
    assert " ".join(plain(first).split()) == "field loaded mine theirs qty 10 70 15"
    assert " ".join(plain(third).split()) == "field loaded mine theirs price 1.5 2.5 (not read)"


def plain(row: ConflictRow) -> str:
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(row.render())
    return console.export_text()
