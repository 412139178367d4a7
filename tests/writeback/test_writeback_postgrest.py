"""The writeback engine against PostgREST 12: bulk inserts in pages, filters in the path,
upserts, writes that matched nothing, a re-read conflict and the bearer token. Every test
checks what the database holds afterwards, not only the result the engine reports."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.writeback_run import Wire, by_row, configure, delete, insert, run, update
from tui.config.model import Destination, Integration

JWT_ENV = "WRITEBACK_TEST_POSTGREST_JWT"
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
        insert(-1, id=5, name="merged", qty=1, region="east"),
        insert(-2, id=5001, name="fresh", qty=2, region="west"),
    ]
    results = by_row(run(integration, dest, changes))
    assert results[-1].status == results[-2].status == "done"
    assert results[-2].assigned == {"id": 5001}
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
