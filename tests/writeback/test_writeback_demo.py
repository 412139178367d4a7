"""The writeback engine against the demo server: per-row JSON Patch with ETags, 207 batches,
conflicts, partial failures; each result checked against what the server then holds."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tui.config import parse_config
from tui.demo.config_text import demo_config_text
from tui.rest.connection import Connection
from tui.secrets import SecretStore
from tui.writeback.changes import RowChange
from tui.writeback.execute import write_back
from tui.writeback.results import summary


def setup(server, dest_id: str, extra: str = ""):
    config = parse_config(demo_config_text(server.api_url, Path("/tmp/unused.db")) + extra)
    return config.integrations["demo"], config.destinations[dest_id]


def run(server, dest_id: str, changes, extra: str = "", **kwargs):
    integration, dest = setup(server, dest_id, extra)

    async def go():
        async with Connection(integration, SecretStore()) as conn:
            return await write_back(conn, dest, changes, **kwargs)

    return asyncio.run(go())


def get(server, row_id: int) -> httpx.Response:
    return httpx.get(f"{server.api_url}/products/{row_id}", timeout=10)


def loaded(server, row_id: int) -> dict:
    response = get(server, row_id)
    return {**response.json(), "_etag": response.headers["etag"]}


def update(row: dict, **changed) -> RowChange:
    was = {k: row[k] for k in changed}
    return RowChange(
        row["id"], "update", {"id": row["id"]}, {**row, **changed}, changed, was, row.get("_etag")
    )


def test_per_row_json_patch_with_etags(demo_server) -> None:
    rows = [loaded(demo_server, i) for i in (1, 2, 3)]
    changes = [update(rows[0], qty=70), update(rows[1], price=12.5), update(rows[2], active=False)]
    results = run(demo_server, "products", changes)
    assert [r.status for r in results] == ["done"] * 3, [r.message for r in results]
    assert get(demo_server, 1).json()["qty"] == 70
    assert get(demo_server, 2).json()["price"] == 12.5
    assert get(demo_server, 3).json()["active"] is False
    assert results[0].etag and results[0].etag != rows[0]["_etag"]
    assert [m for m, p, s in demo_server.recent_requests if m == "PATCH"] == ["PATCH"] * 3


def test_etag_conflict_overwrites_nothing(demo_server) -> None:
    row = loaded(demo_server, 5)
    httpx.patch(f"{demo_server.api_url}/products/5", json={"qty": 1234}, timeout=10)
    [result] = run(demo_server, "products", [update(row, qty=1)])
    assert result.status == "conflict"
    assert get(demo_server, 5).json()["qty"] == 1234


def test_reread_conflict_shows_theirs_and_sends_nothing(demo_server) -> None:
    row = loaded(demo_server, 6)
    row.pop("_etag")
    httpx.patch(f"{demo_server.api_url}/products/6", json={"name": "Theirs"}, timeout=10)
    before = demo_server.request_count
    [result] = run(demo_server, "products", [update(row, name="Mine")])
    assert demo_server.request_count - before == 1  # the re-read only
    assert result.status == "conflict" and "name" in result.message
    assert result.theirs["name"] == "Theirs"
    assert get(demo_server, 6).json()["name"] == "Theirs"


def test_overwrite_after_conflict_is_the_users_choice(demo_server) -> None:
    row = loaded(demo_server, 7)
    httpx.patch(f"{demo_server.api_url}/products/7", json={"qty": 999}, timeout=10)
    [result] = run(demo_server, "products", [update(row, qty=3)], overwrite=[7])
    assert result.status == "done"
    assert get(demo_server, 7).json()["qty"] == 3


def test_insert_gets_server_key_and_delete(demo_server) -> None:
    new = RowChange(
        -1,
        "insert",
        {},
        {"name": "Widget X", "region": "EMEA", "price": 3.5},
        {"name": "Widget X", "region": "EMEA", "price": 3.5},
    )
    gone = loaded(demo_server, 9)
    delete = RowChange(9, "delete", {"id": 9}, gone, {}, {}, gone["_etag"])
    results = run(demo_server, "products", [new, delete])
    assert [(r.op, r.status) for r in results] == [("insert", "done"), ("delete", "done")]
    new_id = results[0].assigned["id"]
    assert get(demo_server, int(new_id)).json()["name"] == "Widget X"
    assert get(demo_server, 9).status_code == 404
    assert summary(results) == "1 inserted, 1 deleted"


def test_failed_rows_keep_their_reason_others_done(demo_server) -> None:
    rows = [loaded(demo_server, i) for i in (10, 11, 12)]
    changes = [update(rows[0], qty=5), update(rows[1], price=-1), update(rows[2], qty=6)]
    results = {r.row_id: r for r in run(demo_server, "products", changes)}
    assert results[10].status == results[12].status == "done"
    assert results[11].status == "failed" and "price" in results[11].message
    assert results[11].http_status == 400
    assert get(demo_server, 11).json()["price"] == rows[1]["price"]


def test_batch_207_maps_rows_by_key(demo_server) -> None:
    rows = [loaded(demo_server, i) for i in range(20, 26)]
    for row in rows:
        row.pop("_etag")
    changes = [update(row, qty=100 + i) for i, row in enumerate(rows)]
    changes[3] = update(rows[3], qty=-5)  # the server rejects this one
    results = {r.row_id: r for r in run(demo_server, "products_batch", changes)}
    assert results[23].status == "failed" and "qty" in results[23].message
    assert all(results[i].status == "done" for i in (20, 21, 22, 24, 25))
    assert [get(demo_server, i).json()["qty"] for i in (20, 21, 22, 24, 25)] == [
        100,
        101,
        102,
        104,
        105,
    ]
    batches = [p for m, p, s in demo_server.recent_requests if p.endswith("/actions/update")]
    assert len(batches) == 1


def test_batch_pages(demo_server) -> None:
    rows = [loaded(demo_server, i) for i in range(30, 35)]
    changes = [update({k: v for k, v in r.items() if k != "_etag"}, qty=7) for r in rows]
    extra = ""
    results = run(demo_server, "products_batch", changes, extra)
    assert all(r.status == "done" for r in results)


@pytest.mark.slow
@pytest.mark.parametrize("status", [503])
def test_unreachable_server_fails_rows_not_sent(status: int, tmp_path: Path) -> None:
    config = parse_config(demo_config_text("http://127.0.0.1:9/api/v1", tmp_path / "s.db"))
    dest = config.destinations["products"]
    row = {"id": 1, "qty": 1, "_etag": '"1"'}

    async def go():
        async with Connection(config.integrations["demo"], SecretStore()) as conn:
            return await write_back(conn, dest, [update(row, qty=2)])

    [result] = asyncio.run(go())
    assert result.status == "failed" and result.message.startswith("not sent")
