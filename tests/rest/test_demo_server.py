"""The demo REST server, spoken to over real HTTP on 127.0.0.1."""

from __future__ import annotations

import csv
import http.client
import io
import sqlite3
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tui.demo import DemoServer, seed_database
from tui.demo.products import PRODUCT_COLUMNS, REGIONS
from tui.demo.server import SlidingWindowLimiter

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
ROWS = 5000  # as seeded by the demo fixtures


@pytest.fixture
def api(demo_server: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo_server.api_url) as client:
        yield client


def assert_qlik_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"errors", "traceId"}
    assert int(body["traceId"], 16) >= 0
    for error in body["errors"]:
        assert error["code"] == f"HTTP-{status}"
        assert error["status"] == str(status)
        assert error["title"] and error["detail"]
    return body["errors"][0]


# Seeding


def test_seed_is_deterministic_idempotent_and_has_the_ten_columns(tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    seed_database(first, rows=300, seed=7)
    seed_database(second, rows=300, seed=7)
    seed_database(first, rows=900, seed=7)  # already seeded: left alone
    query = "SELECT * FROM products ORDER BY id"
    rows_a = sqlite3.connect(first).execute(query).fetchall()
    rows_b = sqlite3.connect(second).execute(query).fetchall()
    assert len(rows_a) == 300
    assert rows_a == rows_b
    other = tmp_path / "c.db"
    seed_database(other, rows=300, seed=8)
    assert sqlite3.connect(other).execute(query).fetchall() != rows_a


def test_seeded_rows_are_realistic(api: httpx.Client) -> None:
    items = api.get("/products", params={"limit": 1000}).json()["data"]
    assert list(items[0]) == [*PRODUCT_COLUMNS, "_etag"]
    for item in items:
        assert item["sku"] == f"PRD-{item['id']:05d}"
        assert item["region"] in REGIONS
        assert item["price"] >= 0 and round(item["price"], 2) == item["price"]
        assert isinstance(item["qty"], int) and item["qty"] >= 0
        assert isinstance(item["active"], bool)
        assert len(item["launch_date"]) == 10 and item["owner"].isalpha()
    assert len({item["category"] for item in items}) > 3


# Listing


def test_cursor_pagination_walks_every_row_exactly_once(
    demo_server: DemoServer, api: httpx.Client
) -> None:
    seen: list[int] = []
    url: str | None = "/products?limit=700"
    pages = 0
    while url:
        response = api.get(url)
        assert response.headers["x-total-count"] == str(ROWS)
        body = response.json()
        seen += [item["id"] for item in body["data"]]
        assert body["links"]["self"]["href"].startswith(demo_server.api_url)
        url = body["links"].get("next", {}).get("href")
        pages += 1
    assert pages == 8
    assert seen == list(range(1, ROWS + 1))


def test_offset_pagination_reports_the_total(api: httpx.Client) -> None:
    first = api.get("/products", params={"offset": 0, "limit": 50}).json()
    assert first["meta"] == {"total": ROWS}
    assert "offset=50" in first["links"]["next"]["href"]
    last = api.get("/products", params={"offset": ROWS - 10, "limit": 50}).json()
    assert [item["id"] for item in last["data"]] == list(range(ROWS - 9, ROWS + 1))
    assert "next" not in last["links"]


def test_link_header_and_filters_are_kept_on_the_next_page(api: httpx.Client) -> None:
    response = api.get("/products", params={"region": "APAC", "limit": 5})
    items = response.json()["data"]
    assert {item["region"] for item in items} == {"APAC"}
    next_url = response.links["next"]["url"]
    assert "region=APAC" in next_url and f"startingAfter={items[-1]['id']}" in next_url
    assert int(response.headers["x-total-count"]) < ROWS
    assert api.get("/products", params={"id": 7}).json()["data"][0]["id"] == 7


def test_list_items_are_the_rows_a_single_read_returns(api: httpx.Client) -> None:
    api.patch("/products/2", json={"name": 'Quote " and \\ é', "price": 0})
    listed = api.get("/products", params={"limit": 4}).json()["data"]
    single = [api.get(f"/products/{n}") for n in range(1, 5)]
    assert listed == [response.json() for response in single]
    assert [item["_etag"] for item in listed] == [r.headers["etag"] for r in single]
    assert isinstance(listed[1]["price"], float) and listed[1]["name"].endswith("é")


def test_limit_above_the_maximum_is_refused(api: httpx.Client) -> None:
    error = assert_qlik_error(api.get("/products", params={"limit": 1001}), 400)
    assert error["source"] == {"parameter": "limit"}
    assert len(api.get("/products").json()["data"]) == 100


# Updates


def test_json_patch_changes_the_row_and_its_etag(api: httpx.Client) -> None:
    before = api.get("/products/42")
    ops = [
        {"op": "replace", "path": "/price", "value": 19.99},
        {"op": "replace", "path": "/qty", "value": 7},
    ]
    response = api.patch("/products/42", json=ops, headers=JSON_PATCH)
    assert response.status_code == 204
    assert response.headers["etag"] != before.headers["etag"]
    after = api.get("/products/42")
    assert (after.json()["price"], after.json()["qty"]) == (19.99, 7)
    assert after.headers["etag"] == response.headers["etag"] == after.json()["_etag"]


def test_json_patch_failed_test_is_a_conflict(api: httpx.Client) -> None:
    current = api.get("/products/3").json()
    ops = [
        {"op": "test", "path": "/qty", "value": current["qty"] + 1},
        {"op": "replace", "path": "/qty", "value": 1},
    ]
    assert_qlik_error(api.patch("/products/3", json=ops, headers=JSON_PATCH), 409)
    assert api.get("/products/3").json() == current


def test_merge_patch_and_patch_data_envelope(api: httpx.Client) -> None:
    response = api.patch(
        "/products/5", json={"name": "Renamed", "active": False}, headers=MERGE_PATCH
    )
    assert response.status_code == 204
    envelope = {"patchData": [{"op": "replace", "path": "/region", "value": "LATAM"}]}
    assert api.patch("/products/5", json=envelope).status_code == 204
    row = api.get("/products/5").json()
    assert (row["name"], row["active"], row["region"]) == ("Renamed", False, "LATAM")
    # A merge patch null removes a member, and every member is required.
    error = assert_qlik_error(
        api.patch("/products/5", json={"price": None}, headers=MERGE_PATCH), 400
    )
    assert error["source"] == {"pointer": "/price"}


def test_if_match_stale_is_412_and_current_succeeds(api: httpx.Client) -> None:
    etag = api.get("/products/9").headers["etag"]
    assert api.patch("/products/9", json={"qty": 1}, headers={"If-Match": etag}).status_code == 204
    stale = api.patch("/products/9", json={"qty": 2}, headers={"If-Match": etag})
    assert_qlik_error(stale, 412)
    assert api.get("/products/9").json()["qty"] == 1
    assert_qlik_error(api.delete("/products/9", headers={"If-Match": etag}), 412)


def test_etag_member_in_a_body_is_a_precondition(api: httpx.Client) -> None:
    row = api.get("/products/11").json()
    assert api.patch("/products/11", json={"qty": 5, "_etag": row["_etag"]}).status_code == 204
    assert_qlik_error(api.patch("/products/11", json={"qty": 6, "_etag": row["_etag"]}), 412)


def test_put_replaces_the_whole_row(api: httpx.Client) -> None:
    row = api.get("/products/12").json()
    new = {**row, "name": "Whole New", "qty": 0}
    response = api.put("/products/12", json=new, headers={"If-Match": row["_etag"]})
    assert response.status_code == 200
    assert response.json()["name"] == "Whole New"
    assert response.headers["etag"] == response.json()["_etag"] != row["_etag"]
    partial = {"name": "Only a name"}
    assert_qlik_error(api.put("/products/12", json=partial), 400)


def test_validation_error_body_has_the_qlik_shape(api: httpx.Client) -> None:
    response = api.patch("/products/1", json={"price": -1}, headers=MERGE_PATCH)
    body = response.json()
    assert response.status_code == 400
    assert body["errors"] == [
        {
            "code": "HTTP-400",
            "title": "Invalid value",
            "detail": "price must be >= 0",
            "status": "400",
            "source": {"pointer": "/price"},
        }
    ]
    assert len(body["traceId"]) == 32
    many = {"qty": -1, "region": "MARS", "launch_date": "2024-13-01", "colour": "red"}
    pointers = {
        e["source"]["pointer"] for e in api.patch("/products/1", json=many).json()["errors"]
    }
    assert pointers == {"/qty", "/region", "/launch_date", "/colour"}


# Creating and deleting


def test_create_returns_201_with_location_and_duplicates_conflict(api: httpx.Client) -> None:
    response = api.post("/products", json={"name": "Fresh Widget", "price": 3.5, "region": "AMER"})
    assert response.status_code == 201
    created = response.json()
    assert created["id"] == ROWS + 1 and created["sku"] == f"PRD-{ROWS + 1:05d}"
    location = response.headers["location"]
    assert location.startswith("http://") and location.endswith(f"/products/{created['id']}")
    assert httpx.get(location).json() == created
    assert_qlik_error(api.post("/products", json={"id": 1, "name": "Clash"}), 409)


def test_delete_then_get_is_404(api: httpx.Client) -> None:
    assert api.delete("/products/77").status_code == 204
    assert_qlik_error(api.get("/products/77"), 404)
    assert_qlik_error(api.delete("/products/77"), 404)
    assert api.get("/products", params={"id": 77}).json()["data"] == []


# Batches (207 Multi-Status)


def test_batch_create_applies_good_items_and_reports_the_bad_one(api: httpx.Client) -> None:
    items = [{"name": "One"}, {"name": "Two", "qty": -5}, {"id": 9001, "name": "Three"}]
    response = api.post("/products", json=items)
    assert response.status_code == 207
    results = response.json()["data"]
    assert [r["status"] for r in results] == [201, 400, 201]
    assert results[1]["index"] == 1 and results[1]["errors"][0]["source"] == {"pointer": "/qty"}
    assert api.get(f"/products/{results[0]['id']}").json()["name"] == "One"
    assert api.get("/products/9001").status_code == 200
    assert api.get("/products", params={"name": "Two"}).json()["data"] == []


def test_batch_update_applies_good_items_and_leaves_the_bad_one(api: httpx.Client) -> None:
    before = api.get("/products/21").json()
    updates = [
        {"id": 20, "qty": 1},
        {"id": 21, "qty": 2, "price": -3},
        {"id": 999999, "qty": 3},
        {"id": 22, "qty": 4},
    ]
    response = api.post("/products/actions/update", json={"products": updates})
    assert response.status_code == 207
    statuses = {r["id"]: r["status"] for r in response.json()["data"]}
    assert statuses == {20: 204, 21: 400, 999999: 404, 22: 204}
    assert api.get("/products/20").json()["qty"] == 1
    assert api.get("/products/22").json()["qty"] == 4
    assert api.get("/products/21").json() == before


def test_batch_delete_reports_per_id(api: httpx.Client) -> None:
    response = api.post("/products/actions/delete", json={"ids": [30, 999999, 31]})
    assert response.status_code == 207
    assert [(r["id"], r["status"]) for r in response.json()["data"]] == [
        (30, 204),
        (999999, 404),
        (31, 204),
    ]
    assert api.get("/products/30").status_code == 404
    assert api.get("/products/32").status_code == 200
    assert_qlik_error(api.post("/products/actions/delete", json=[32]), 400)
    assert_qlik_error(api.post("/products/actions/update", json={"rows": []}), 400)


# Protocol


def test_bad_requests_unknown_routes_and_wrong_methods(api: httpx.Client) -> None:
    malformed = api.post(
        "/products", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert assert_qlik_error(malformed, 400)["title"] == "Malformed JSON"
    assert_qlik_error(api.get("/nothing-here"), 404)
    wrong = api.delete("/products")
    assert_qlik_error(wrong, 405)
    assert wrong.headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_keep_alive_serves_many_requests_on_one_connection(demo_server: DemoServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", demo_server.port, timeout=5)
    conn.request("GET", "/health")
    first = conn.getresponse()
    assert first.getheader("Content-Length") == str(len(first.read()))
    sock = conn.sock
    for path in ("/api/v1/products/1", "/api/v1/nope", "/api/v1/products?limit=2"):
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.getheader("Content-Length") == str(len(response.read()))
    assert conn.sock is sock and sock is not None
    conn.close()


def test_chunked_request_bodies_are_read(api: httpx.Client) -> None:
    chunks = iter([b'{"name": "Chun', b'ked"}'])
    response = api.post("/products", content=chunks, headers={"Content-Type": "application/json"})
    assert response.status_code == 201 and response.json()["name"] == "Chunked"


def test_idempotency_key_replays_instead_of_creating_twice(api: httpx.Client) -> None:
    headers = {"Idempotency-Key": "k-1"}
    first = api.post("/products", json={"name": "Once"}, headers=headers)
    again = api.post("/products", json={"name": "Once"}, headers=headers)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert api.get("/products", params={"name": "Once"}).headers["x-total-count"] == "1"


# Guards


def test_rate_limit_answers_429_with_retry_after(make_demo_server) -> None:
    server = make_demo_server(rate_limit=3)
    with httpx.Client(base_url=server.url) as client:
        assert [client.get("/api/v1/products/1").status_code for _ in range(3)] == [200] * 3
        refused = client.get("/api/v1/products/1")
        assert_qlik_error(refused, 429)
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert client.get("/health").status_code == 200


def test_sliding_window_admits_again_as_time_passes() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(2, window=60.0, clock=lambda: now[0])
    assert limiter.admit() is None and limiter.admit() is None
    now[0] = 45.2
    assert limiter.admit() == 15
    now[0] = 60.0
    assert limiter.admit() is None


def test_bearer_token_is_required_on_the_api_only(make_demo_server) -> None:
    server = make_demo_server(token="s3cret")
    with httpx.Client(base_url=server.url) as client:
        missing = client.get("/api/v1/products/1")
        assert_qlik_error(missing, 401)
        assert missing.headers["www-authenticate"].startswith("Bearer")
        wrong = client.get("/api/v1/products/1", headers={"Authorization": "Bearer nope"})
        assert_qlik_error(wrong, 401)
        right = client.get("/api/v1/products/1", headers={"Authorization": "Bearer s3cret"})
        assert right.status_code == 200
        assert client.get("/health").json() == {"status": "ok"}


def test_injected_faults_then_normal_service(demo_server: DemoServer, api: httpx.Client) -> None:
    demo_server.inject_faults(2, status=503, retry_after=1)
    first = api.patch("/products/2", json={"qty": 1})
    assert_qlik_error(first, 503)
    assert first.headers["retry-after"] == "1"
    assert api.get("/products/2").status_code == 503
    assert api.patch("/products/2", json={"qty": 1}).status_code == 204


def test_latency_delays_each_request(make_demo_server) -> None:
    server = make_demo_server(latency=0.15)
    started = time.perf_counter()
    assert httpx.get(f"{server.url}/health").status_code == 200
    assert time.perf_counter() - started >= 0.15


def test_concurrent_writers_all_succeed(demo_server: DemoServer) -> None:
    failures: list[int] = []

    def writer(first: int) -> None:
        with httpx.Client(base_url=demo_server.api_url) as client:
            for pid in range(first, first + 40):
                status = client.patch(f"/products/{pid}", json={"qty": 3}).status_code
                if status != 204:
                    failures.append(status)

    threads = [threading.Thread(target=writer, args=(n * 100 + 1,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# Exports


def test_csv_export_parses(api: httpx.Client) -> None:
    response = api.get("/products.csv", params={"limit": 20, "offset": 10})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["id"]) for r in rows] == list(range(11, 31))
    assert list(rows[0]) == list(PRODUCT_COLUMNS)
    assert rows[0]["active"] in ("true", "false")


def test_xml_export_parses(api: httpx.Client) -> None:
    response = api.get("/products.xml", params={"limit": 3})
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "products"
    products = root.findall("product")
    assert [p.findtext("id") for p in products] == ["1", "2", "3"]
    assert [child.tag for child in products[0]] == list(PRODUCT_COLUMNS)


# Web integrations (seed 002)


def test_web_integrations_list_and_crud(api: httpx.Client) -> None:
    ids: list[str] = []
    url: str | None = "/web-integrations?limit=10"
    while url:
        body = api.get(url).json()
        ids += [item["id"] for item in body["data"]]
        url = body["links"].get("next", {}).get("href")
    assert len(ids) == len(set(ids)) > 10
    created = api.post(
        "/web-integrations",
        json={"name": "My Web Integration", "validOrigins": ["https://app.example.com"]},
    )
    assert created.status_code == 201
    item = created.json()
    assert item["links"]["self"]["href"].endswith(f"/web-integrations/{item['id']}")
    assert {"tenantId", "created", "createdBy", "lastUpdated"} <= set(item)
    path = f"/web-integrations/{item['id']}"
    ops = [{"op": "replace", "path": "/name", "value": "New name"}]
    assert api.patch(path, json=ops).status_code == 204
    assert api.get(path).json()["name"] == "New name"
    read_only = [{"op": "replace", "path": "/tenantId", "value": "other"}]
    assert_qlik_error(api.patch(path, json=read_only), 400)
    bad_origin = {"name": "x", "validOrigins": ["not an origin"]}
    assert_qlik_error(api.post("/web-integrations", json=bad_origin), 400)
    assert api.delete(path).status_code == 204
    assert_qlik_error(api.get(path), 404)


def test_stop_ends_idle_keep_alive_connections(demo_database: Path) -> None:
    server = DemoServer(demo_database).start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/health")
    conn.getresponse().read()
    started = time.perf_counter()
    server.stop()
    assert time.perf_counter() - started < 2
    assert conn.sock is not None and conn.sock.recv(1) == b""  # closed by the server
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/health", timeout=1)
    conn.close()
