"""The writeback engine and the demo server's 207 batches where some rows fail: each row
sent once, conflicts still checked, a failed batch POST not resent blindly, and resent
once under an idempotency key. Every test checks what the server holds afterwards, not
only the result the engine reports. Other servers: tests/writeback/test_writeback_json_server.py,
tests/writeback/test_writeback_postgrest.py and tests/writeback/test_writeback_httpbin.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.writeback_run import by_row, configure, insert, run, update
from tui.config.model import Destination, Integration

# -- a batch where some rows fail (demo server, 207 Multi-Status) -------------------------

DEMO_BATCH = """
[integrations.demo]
url = "{url}"
retries = 2
backoff = 0.01
[destinations.d]
integration = "demo"
path = "/products"
key = ["id"]
insert = {{ method = "POST", path = "/products", array = true, page_size = 3, results = "data"{idem} }}
update = {{ method = "POST", path = "/products/actions/update", envelope = "products", array = true, page_size = 3, results = "data" }}
delete = {{ enabled = false }}
[destinations.d.load]
records = "data"
etag_field = "_etag"
params = {{ limit = "1000" }}
pagination = {{ type = "next_url", next_url_path = "links.next.href" }}
"""


def demo_dest(server, idem: str = "") -> tuple[Integration, Destination]:
    return configure(DEMO_BATCH.format(url=server.api_url, idem=idem))


def demo_row(server, row_id: int) -> dict[str, Any]:
    response = httpx.get(f"{server.api_url}/products/{row_id}", timeout=10)
    return response.json() if response.status_code == 200 else {}


@pytest.mark.slow
def test_batch_with_failing_rows_sends_each_row_once(demo_server) -> None:
    integration, dest = demo_dest(demo_server)
    rows = {i: demo_row(demo_server, i) for i in range(40, 47)}
    changes = [update(rows[i], rows[i]["_etag"], qty=500 + i) for i in rows]
    changes[4] = update(rows[44], rows[44]["_etag"], qty=-1)  # refused by the server
    results = by_row(run(integration, dest, changes))
    assert results[44].status == "failed" and "qty" in results[44].message
    assert results[44].http_status == 400
    assert all(results[i].status == "done" for i in rows if i != 44)
    batches = [p for m, p, _ in demo_server.recent_requests if p.endswith("/actions/update")]
    assert len(batches) == 3  # 7 rows in pages of 3, none sent again
    for i, row in rows.items():
        now = demo_row(demo_server, i)
        version = int(row["_etag"].strip('"'))
        if i == 44:
            assert (now["qty"], now["_etag"]) == (row["qty"], row["_etag"])
        else:  # written exactly once: one version further
            assert (now["qty"], now["_etag"]) == (500 + i, f'"{version + 1}"')


def test_batch_update_with_etags_still_checks_conflicts(demo_server) -> None:
    # One request carries many rows, so no If-Match: the rows are re-read instead.
    integration, dest = demo_dest(demo_server)
    rows = {i: demo_row(demo_server, i) for i in (50, 51)}
    httpx.patch(f"{demo_server.api_url}/products/50", json={"qty": 4321}, timeout=10)
    changes = [update(rows[i], rows[i]["_etag"], qty=1) for i in rows]
    results = by_row(run(integration, dest, changes))
    assert results[50].status == "conflict" and results[50].theirs["qty"] == 4321
    assert results[51].status == "done"
    assert demo_row(demo_server, 50)["qty"] == 4321
    assert demo_row(demo_server, 51)["qty"] == 1


def _created(server, prefix: str) -> list[str]:
    names: list[str] = []
    url: str | None = f"{server.api_url}/products?limit=1000"
    while url:
        page = httpx.get(url, timeout=10).json()
        names += [p["name"] for p in page["data"] if p["name"].startswith(prefix)]
        url = (page.get("links") or {}).get("next", {}).get("href")
    return sorted(names)


def test_failed_batch_post_is_not_resent_blindly(demo_server) -> None:
    integration, dest = demo_dest(demo_server)
    changes = [insert(f"x{i}", name=f"Blind {i}", region="EMEA", price=1.0) for i in range(2)]
    demo_server.inject_faults(1, status=503)
    before = demo_server.request_count
    results = run(integration, dest, changes)
    assert [r.status for r in results] == ["failed", "failed"]
    assert results[0].message.startswith("503") and results[0].http_status == 503
    assert demo_server.request_count - before == 1
    assert _created(demo_server, "Blind ") == []


def test_batch_post_with_idempotency_key_is_retried_once(demo_server) -> None:
    integration, dest = demo_dest(demo_server, idem=', idempotency_key = "Idempotency-Key"')
    changes = [insert(f"y{i}", name=f"Keyed {i}", region="EMEA", price=1.0) for i in range(2)]
    demo_server.inject_faults(1, status=503)
    before = demo_server.request_count
    results = by_row(run(integration, dest, changes))
    assert results["y0"].status == results["y1"].status == "done"
    assert demo_server.request_count - before == 2  # the 503 and one retry
    assert _created(demo_server, "Keyed ") == ["Keyed 0", "Keyed 1"]
    assert {results["y0"].assigned["id"], results["y1"].assigned["id"]} == {
        demo_row(demo_server, results[k].assigned["id"])["id"] for k in ("y0", "y1")
    }
