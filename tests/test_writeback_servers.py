"""The writeback engine against third-party servers: json-server 0.17, PostgREST 12 and
httpbin, plus the demo server's 207 batches. Every test checks what the server holds (or
echoed) afterwards, not only the result the engine reports."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tui.config import parse_config
from tui.config.model import Destination, Integration
from tui.rest.connection import Connection
from tui.secrets import SecretStore
from tui.writeback.changes import RowChange
from tui.writeback.execute import write_back
from tui.writeback.results import RowResult, summary

JWT_ENV = "WRITEBACK_TEST_POSTGREST_JWT"


# -- helpers -----------------------------------------------------------------------------


class Wire:
    """What went over the wire: each request and its parsed JSON answer, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.answers: list[Any] = []

    def attach(self, conn: Connection) -> None:
        # httpx event hooks on the connection's real clients: observation only.
        conn._clients.add_hooks(request=self._request, response=self._response)

    async def _request(self, request: httpx.Request) -> None:
        self.sent.append((request.method, str(request.url)))

    async def _response(self, response: httpx.Response) -> None:
        await response.aread()
        try:
            self.answers.append(response.json())
        except ValueError:
            self.answers.append(None)

    def count(self, method: str, fragment: str = "") -> int:
        return sum(1 for m, url in self.sent if m == method and fragment in url)


def configure(text: str, dest_id: str = "d") -> tuple[Integration, Destination]:
    config = parse_config(text)
    dest = config.destinations[dest_id]
    return config.integrations[dest.integration], dest


def run(
    integration: Integration,
    dest: Destination,
    changes: list[RowChange],
    wire: Wire | None = None,
    **kwargs: Any,
) -> list[RowResult]:
    async def go() -> list[RowResult]:
        async with Connection(integration, SecretStore()) as conn:
            if wire is not None:
                wire.attach(conn)
            return await write_back(conn, dest, changes, **kwargs)

    return asyncio.run(go())


def by_row(results: list[RowResult]) -> dict[int | str, RowResult]:
    return {r.row_id: r for r in results}


def update(row: dict[str, Any], etag: str | None = None, **changed: Any) -> RowChange:
    was = {k: row.get(k) for k in changed}
    return RowChange(row["id"], "update", {"id": row["id"]}, {**row, **changed}, changed, was, etag)


def insert(row_id: str, **values: Any) -> RowChange:
    return RowChange(row_id, "insert", {}, values, dict(values))


def delete(row: dict[str, Any]) -> RowChange:
    return RowChange(row["id"], "delete", {"id": row["id"]}, row, {}, {})


# -- json-server 0.17 --------------------------------------------------------------------

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
        insert("new-a", name="Zürich depot", qty=5, region="north"),
        insert("new-b", name="second", qty=6, region="south"),
        update(rows[3], qty=99),
        update(rows[4], name="renamed", price=1.5),
        delete(rows[5]),
    ]
    results = by_row(run(integration, dest, changes))
    assert {r.status for r in results.values()} == {"done"}, [r.message for r in results.values()]
    assert summary(list(results.values())) == "2 inserted, 2 updated, 1 deleted"

    new_ids = [results[k].assigned["id"] for k in ("new-a", "new-b")]
    assert sorted(new_ids) == [251, 252]
    assert js_get(url, results["new-a"].assigned["id"]).json() == {
        "id": results["new-a"].assigned["id"],
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
    changes = [insert("new-f", name="form row", qty=3), update(row, qty=42, name="a b&c")]
    results = by_row(run(integration, dest, changes))
    assert results["new-f"].status == results[8].status == "done"
    new_id = results["new-f"].assigned["id"]
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


# -- PostgREST 12 ------------------------------------------------------------------------

POSTGREST = """
[integrations.pg]
url = "{url}"
max_concurrency = 8
retries = 0
[integrations.pg.auth]
type = "bearer"
token = {{ env = "{env}" }}
[destinations.d]
integration = "pg"
path = "/items"
key = ["id"]
conflict_check = "reread"
insert = {{ method = "POST", path = "/items", array = true, page_size = {page}, headers = {{ Prefer = "{insert_prefer}" }} }}
update = {{ method = "PATCH", path = "/items?id=eq.{{id}}", headers = {{ Prefer = "{prefer}" }} }}
delete = {{ method = "DELETE", path = "/items?id=eq.{{id}}", headers = {{ Prefer = "{prefer}" }} }}
"""


@pytest.fixture
def pg(
    postgrest, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[Integration, Destination]]:
    """The PostgREST destination; the writer's JWT reaches it through an env reference."""
    monkeypatch.setenv(JWT_ENV, postgrest.jwt)

    def make(
        page: int = 3,
        prefer: str = "return=representation",
        insert_prefer: str = "return=representation",
    ) -> tuple[Integration, Destination]:
        text = POSTGREST.format(
            url=postgrest.url, env=JWT_ENV, page=page, prefer=prefer, insert_prefer=insert_prefer
        )
        return configure(text)

    return make


def pg_rows(postgrest, where: str) -> list[dict[str, Any]]:
    sql = f"select coalesce(json_agg(i order by id), '[]') from api.items i where {where}"
    return json.loads(postgrest.psql(sql))


def pg_loaded(postgrest, *ids: int) -> dict[int, dict[str, Any]]:
    """Rows as a load would see them (over HTTP, as the anon role may read)."""
    wanted = ",".join(map(str, ids))
    rows = httpx.get(f"{postgrest.url}/items?id=in.({wanted})", timeout=10).json()
    return {row["id"]: row for row in rows}


def test_postgrest_bulk_insert_in_pages_gets_keys(postgrest, pg) -> None:
    integration, dest = pg(page=3)
    changes = [insert(f"n{i}", name=f"bulk {i}", qty=i, region="north") for i in range(7)]
    wire = Wire()
    results = by_row(run(integration, dest, changes, wire))
    assert {r.status for r in results.values()} == {"done"}
    assert wire.sent == [("POST", f"{postgrest.url}/items")] * 3
    assert sorted(len(answer) for answer in wire.answers) == [1, 3, 3]  # pages go concurrently
    stored = sorted(pg_rows(postgrest, "name like 'bulk %'"), key=lambda r: r["name"])
    assert [(r["name"], r["qty"]) for r in stored] == [(f"bulk {i}", i) for i in range(7)]
    # Each new row learns the id the database gave it, from the 201 body.
    assert {f"n{i}": results[f"n{i}"].assigned.get("id") for i in range(7)} == {
        f"n{r['qty']}": r["id"] for r in stored
    }


def test_postgrest_patch_and_delete_with_filter_in_path(postgrest, pg) -> None:
    integration, dest = pg()
    rows = pg_loaded(postgrest, 5, 6, 7)
    changes = [
        update(rows[5], qty=55),
        update(rows[6], name="Zürich", region=None),
        delete(rows[7]),
    ]
    wire = Wire()
    results = run(integration, dest, changes, wire)
    assert [(r.row_id, r.status) for r in results] == [(5, "done"), (6, "done"), (7, "done")]
    assert wire.count("PATCH", "/items?id=eq.5") == wire.count("PATCH", "/items?id=eq.6") == 1
    assert wire.count("DELETE", "/items?id=eq.7") == 1
    after = {r["id"]: r for r in pg_rows(postgrest, "id between 5 and 7")}
    assert after[5]["qty"] == 55 and after[5]["name"] == rows[5]["name"]
    assert (after[6]["name"], after[6]["region"]) == ("Zürich", None)
    assert 7 not in after


def test_postgrest_upsert_merges_duplicates(postgrest, pg) -> None:
    integration, dest = pg(
        page=10, insert_prefer="resolution=merge-duplicates,return=representation"
    )
    changes = [
        insert("up-5", id=5, name="merged", qty=1, region="east"),
        insert("up-new", id=5001, name="fresh", qty=2, region="west"),
    ]
    results = by_row(run(integration, dest, changes))
    assert results["up-5"].status == results["up-new"].status == "done"
    assert results["up-new"].assigned == {"id": 5001}
    stored = {r["id"]: r for r in pg_rows(postgrest, "id in (5, 5001)")}
    assert (stored[5]["name"], stored[5]["qty"], stored[5]["region"]) == ("merged", 1, "east")
    assert (stored[5001]["name"], stored[5001]["qty"]) == ("fresh", 2)
    assert postgrest.psql("select count(*) from api.items") == str(postgrest.row_count + 1)


@pytest.mark.parametrize("prefer", ["return=representation", "count=exact", "return=minimal"])
def test_postgrest_write_that_matched_nothing_is_failed(postgrest, pg, prefer: str) -> None:
    integration, dest = pg(prefer=prefer)
    rows = pg_loaded(postgrest, 9, 12)
    postgrest.psql("delete from api.items where id in (9, 12)")  # behind our back
    # PostgREST 12 answers every DELETE without a body or count with "*/*", matched
    # or not: with return=minimal only the PATCH can tell.
    changes = [update(rows[9], qty=3)] + ([delete(rows[12])] if prefer != "return=minimal" else [])
    # The re-read sees the rows are gone; the user overwrites anyway.
    first = run(integration, dest, changes)
    assert {r.status for r in first} == {"conflict"}
    results = run(integration, dest, changes, overwrite=[9, 12])
    assert {r.status for r in results} == {"failed"}
    assert all("matched nothing" in r.message for r in results)
    assert results[0].http_status in (200, 204)
    assert pg_rows(postgrest, "id in (9, 12)") == []  # nothing re-created


def test_postgrest_failed_page_stays_failed_others_done(postgrest, pg) -> None:
    integration, dest = pg(page=2)
    changes = [insert(f"p{i}", name=f"page {i}", qty=-1 if i == 3 else i) for i in range(6)]
    wire = Wire()
    results = by_row(run(integration, dest, changes, wire))
    # One request per page, none repeated; the database refuses the whole middle page.
    assert wire.count("POST") == 3
    assert [results[f"p{i}"].status for i in range(6)] == ["done"] * 2 + ["failed"] * 2 + [
        "done"
    ] * 2
    assert "check constraint" in results["p3"].message and results["p2"].http_status == 400
    stored = pg_rows(postgrest, "name like 'page %'")
    assert sorted(r["name"] for r in stored) == ["page 0", "page 1", "page 4", "page 5"]


def test_postgrest_conflict_reread_overwrites_nothing(postgrest, pg) -> None:
    integration, dest = pg()
    rows = pg_loaded(postgrest, 20, 21, 22)
    postgrest.psql("update api.items set qty = 77 where id = 20")  # between load and write
    postgrest.psql("update api.items set name = 'theirs' where id = 22")
    changes = [update(rows[20], qty=1), update(rows[21], qty=2), update(rows[22], qty=3)]
    wire = Wire()
    results = by_row(run(integration, dest, changes, wire))
    assert results[20].status == "conflict" and "qty" in results[20].message
    assert results[20].theirs["qty"] == 77
    # Row 22 changed in a cell we did not touch: no conflict, both edits survive.
    assert results[21].status == results[22].status == "done"
    assert wire.count("PATCH", "id=eq.20") == 0
    after = {r["id"]: r for r in pg_rows(postgrest, "id between 20 and 22")}
    assert [after[i]["qty"] for i in (20, 21, 22)] == [77, 2, 3]
    assert after[22]["name"] == "theirs"


def test_postgrest_refuses_without_the_token(postgrest, pg, monkeypatch) -> None:
    integration, dest = pg()
    monkeypatch.setenv(JWT_ENV, postgrest.make_jwt("anon"))
    row = pg_loaded(postgrest, 30)[30]
    results = run(integration, dest, [update(row, qty=5)], overwrite=[30])
    assert results[0].status == "failed" and results[0].http_status in (401, 403)
    assert pg_rows(postgrest, "id = 30")[0]["qty"] == row["qty"]


# -- httpbin /anything: every payload byte for byte --------------------------------------

HTTPBIN = """
[integrations.bin]
url = "{url}"
retries = 0
[destinations.d]
integration = "bin"
path = "/anything/things"
key = ["id"]
conflict_check = "etag"
{extra}
"""

ROW = {"id": 5, "name": "n", "qty": 1, "active": False, "note": "x"}


def echoed(httpbin_url: str, extra: str, changes: list[RowChange]) -> list[dict[str, Any]]:
    integration, dest = configure(HTTPBIN.format(url=httpbin_url, extra=extra))
    wire = Wire()
    results = run(integration, dest, changes, wire)
    assert {r.status for r in results} == {"done"}, [r.message for r in results]
    return wire.answers


def test_httpbin_json(httpbin_url: str) -> None:
    [echo] = echoed(httpbin_url, "", [update(ROW, '"v5"', qty=9, note="Zürich")])
    assert (echo["method"], echo["url"]) == ("PATCH", f"{httpbin_url}/anything/things/5")
    assert echo["data"].encode() == '{"qty":9,"note":"Zürich"}'.encode()
    assert echo["headers"]["Content-Type"] == "application/json"
    assert echo["headers"]["If-Match"] == '"v5"'
    assert echo["args"] == {} and echo["form"] == {}


def test_httpbin_insert_and_delete(httpbin_url: str) -> None:
    changes = [insert("new", name="a", qty=2), RowChange(5, "delete", {"id": 5}, ROW, etag='"v"')]
    posted, deleted = echoed(httpbin_url, "", changes)
    assert (posted["method"], posted["url"]) == ("POST", f"{httpbin_url}/anything/things")
    assert posted["data"] == '{"name":"a","qty":2}'
    assert (deleted["method"], deleted["url"]) == ("DELETE", f"{httpbin_url}/anything/things/5")
    assert deleted["data"] == "" and "Content-Type" not in deleted["headers"]


def test_httpbin_read_row_sends_its_params_and_headers(httpbin_url: str) -> None:
    """A conflict re-read at [read_row]: its path filled, its params and headers sent."""
    extra = (
        "[destinations.d.read_row]\n"
        'path = "/anything/rows/{id}"\n'
        'params = { fields = "qty,name", v = "2" }\n'
        'headers = { X-Read = "one row" }\n'
    )
    text = HTTPBIN.format(url=httpbin_url, extra=extra)
    integration, dest = configure(text.replace('"etag"', '"reread"'))
    wire = Wire()
    [result] = run(integration, dest, [update(ROW, qty=9)], wire)
    assert result.status == "conflict"  # the echo holds no qty: not the row as loaded
    [echo] = wire.answers
    assert echo["method"] == "GET"
    assert echo["url"].startswith(f"{httpbin_url}/anything/rows/5?")
    assert echo["args"] == {"fields": "qty,name", "v": "2"}
    assert echo["headers"]["X-Read"] == "one row"
    assert echo["headers"]["Accept"] == "application/json"
    assert wire.count("PATCH") == 0


FORM_BYTES = "id=5&qty=9&active=true&note=a+b%26c%3D%C3%BC"


def test_httpbin_form(httpbin_url: str) -> None:
    change = update(ROW, '"v"', qty=9, active=True, note="a b&c=ü")
    [echo] = echoed(httpbin_url, 'payload = "form"', [change])
    assert echo["form"] == {"id": "5", "qty": "9", "active": "true", "note": "a b&c=ü"}
    assert echo["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert echo["headers"]["Content-Length"] == str(len(FORM_BYTES))
    # The same body sent as text, so httpbin echoes the raw bytes.
    raw = 'payload = "form"\nheaders = { "Content-Type" = "text/plain" }'
    [echo] = echoed(httpbin_url, raw, [change])
    assert echo["data"] == FORM_BYTES


def test_httpbin_params(httpbin_url: str) -> None:
    [echo] = echoed(httpbin_url, 'payload = "params"', [update(ROW, '"v"', qty=9, note="a&b")])
    assert echo["method"] == "PATCH"
    assert echo["url"] == f"{httpbin_url}/anything/things/5?id=5&qty=9&note=a%26b"
    assert echo["args"] == {"id": "5", "qty": "9", "note": "a&b"}
    assert echo["data"] == "" and "Content-Type" not in echo["headers"]


def test_httpbin_json_patch(httpbin_url: str) -> None:
    change = update(ROW, '"v"', **{"qty": 9, "meta.colour": "red", "a/b": None})
    [echo] = echoed(httpbin_url, 'payload = "json-patch"', [change])
    assert echo["headers"]["Content-Type"] == "application/json-patch+json"
    assert echo["data"] == (
        '[{"op":"replace","path":"/qty","value":9},'
        '{"op":"replace","path":"/meta/colour","value":"red"},'
        '{"op":"replace","path":"/a~1b","value":null}]'
    )


def test_httpbin_merge_patch(httpbin_url: str) -> None:
    change = update(ROW, '"v"', **{"meta.colour": None, "qty": 3})
    [echo] = echoed(httpbin_url, 'payload = "merge-patch"', [change])
    assert echo["headers"]["Content-Type"] == "application/merge-patch+json"
    assert echo["data"] == '{"meta":{"colour":null},"qty":3}'


def test_httpbin_envelope(httpbin_url: str) -> None:
    extra = 'payload = "json-patch"\nenvelope = "patchData"'
    [echo] = echoed(httpbin_url, extra, [update(ROW, '"v"', name="n2")])
    assert echo["data"] == '{"patchData":[{"op":"replace","path":"/name","value":"n2"}]}'


def test_httpbin_array_in_pages(httpbin_url: str) -> None:
    extra = (
        'insert = { method = "POST", path = "/anything/things/batch", envelope = "things",'
        " array = true, page_size = 2 }"
    )
    changes = [insert(f"r{i}", name=f"row {i}", qty=i) for i in range(5)]
    echoes = echoed(httpbin_url, extra, changes)
    # Pages go concurrently: order the echoes by their first row.
    bodies = sorted(e["data"] for e in echoes)
    assert bodies == [
        '{"things":[{"name":"row 0","qty":0},{"name":"row 1","qty":1}]}',
        '{"things":[{"name":"row 2","qty":2},{"name":"row 3","qty":3}]}',
        '{"things":[{"name":"row 4","qty":4}]}',
    ]
    assert {e["url"] for e in echoes} == {f"{httpbin_url}/anything/things/batch"}


def test_httpbin_get_one_request_per_row(httpbin_url: str) -> None:
    extra = 'method = "GET"\nupdate = { path = "/anything/set" }'
    rows = [{**ROW, "id": 1}, {**ROW, "id": 2}]
    changes = [update(rows[0], '"a"', qty=2, active=True), update(rows[1], '"b"', note="é ü")]
    integration, dest = configure(HTTPBIN.format(url=httpbin_url, extra=extra))
    wire = Wire()
    assert {r.status for r in run(integration, dest, changes, wire)} == {"done"}
    assert sorted(wire.sent) == [
        ("GET", f"{httpbin_url}/anything/set?id=1&qty=2&active=true"),
        ("GET", f"{httpbin_url}/anything/set?id=2&note=%C3%A9+%C3%BC"),
    ]
    args = sorted((e["args"] for e in wire.answers), key=lambda a: a["id"])
    assert args == [{"id": "1", "qty": "2", "active": "true"}, {"id": "2", "note": "é ü"}]
    assert [e["method"] for e in wire.answers] == ["GET", "GET"]
    assert all(e["data"] == "" for e in wire.answers)


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
