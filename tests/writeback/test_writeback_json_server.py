"""The writeback engine against json-server 0.17: per-row POST, PATCH, PUT, DELETE, a form
payload and a re-read conflict. Every test checks what the server holds afterwards, not
only the result the engine reports."""

from __future__ import annotations

import httpx

from tests.support.writeback_run import by_row, configure, delete, insert, run, update
from tui.config.model import Destination, Integration
from tui.writeback.results import summary

JSON_SERVER = """
[integrations.js]
url = "{url}"
retries = 0
[destinations.d]
integration = "js"
path = "/items"
key = ["id"]
{extra}
"""


def json_server_dest(url: str, extra: str = "") -> tuple[Integration, Destination]:
    return configure(JSON_SERVER.format(url=url, extra=extra))


def js_get(url: str, row_id: int | str) -> httpx.Response:
    return httpx.get(f"{url}/items/{row_id}", timeout=10)


def test_json_server_post_patch_delete_per_row(json_server) -> None:
    url = json_server.url
    integration, dest = json_server_dest(url)
    rows = {i: js_get(url, i).json() for i in (3, 4, 5)}
    changes = [
        insert(-1, name="Zürich depot", qty=5, region="north"),
        insert(-2, name="second", qty=6, region="south"),
        update(rows[3], qty=99),
        update(rows[4], name="renamed", price=1.5),
        delete(rows[5]),
    ]
    results = by_row(run(integration, dest, changes))
    assert {r.status for r in results.values()} == {"done"}, [r.message for r in results.values()]
    assert summary(list(results.values())) == "2 inserted, 2 updated, 1 deleted"

    new_ids = [results[k].assigned["id"] for k in (-1, -2)]
    assert sorted(new_ids) == [251, 252]
    assert js_get(url, results[-1].assigned["id"]).json() == {
        "id": results[-1].assigned["id"],
        "name": "Zürich depot",
        "qty": 5,
        "region": "north",
    }
    assert js_get(url, 3).json() == {**rows[3], "qty": 99}  # PATCH: other fields kept
    assert js_get(url, 4).json() == {**rows[4], "name": "renamed", "price": 1.5}
    assert js_get(url, 5).status_code == 404
    assert len(httpx.get(f"{url}/items", timeout=10).json()) == 250 + 2 - 1


def test_json_server_put_replaces_the_whole_row(json_server) -> None:
    url = json_server.url
    integration, dest = json_server_dest(url, 'update = { method = "PUT", path = "/items/{id}" }')
    row = js_get(url, 7).json()
    results = run(integration, dest, [update(row, qty=1, region="east")])
    assert [(r.status, r.http_status) for r in results] == [("done", 200)]
    assert js_get(url, 7).json() == {**row, "qty": 1, "region": "east"}


def test_json_server_form_payload(json_server) -> None:
    url = json_server.url
    integration, dest = json_server_dest(url, 'payload = "form"')
    row = js_get(url, 8).json()
    changes = [insert(-1, name="form row", qty=3), update(row, qty=42, name="a b&c")]
    results = by_row(run(integration, dest, changes))
    assert results[-1].status == results[8].status == "done"
    new_id = results[-1].assigned["id"]
    # A form body carries text: json-server stores what it parsed, strings.
    assert js_get(url, new_id).json() == {"id": new_id, "name": "form row", "qty": "3"}
    assert js_get(url, 8).json() == {**row, "qty": "42", "name": "a b&c"}


def test_json_server_reread_conflict_and_missing_row(json_server) -> None:
    url = json_server.url
    integration, dest = json_server_dest(url)
    row, gone = js_get(url, 10).json(), js_get(url, 11).json()
    httpx.patch(f"{url}/items/10", json={"qty": 1234}, timeout=10)
    httpx.delete(f"{url}/items/11", timeout=10)
    results = by_row(run(integration, dest, [update(row, qty=1), update(gone, qty=2)]))
    assert results[10].status == "conflict" and results[10].theirs["qty"] == 1234
    assert results[11].status == "conflict" and "deleted" in results[11].message
    assert js_get(url, 10).json()["qty"] == 1234
    assert js_get(url, 11).status_code == 404  # not re-created by a write
