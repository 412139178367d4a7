"""Loading rows from real servers: the demo server, json-server 0.17 and PostgREST 12."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.scripted_server import config
from tests.support.servers import JsonServer, PostgRest
from tui.config.model import Config
from tui.demo import DemoServer
from tui.rest.connection import Connection
from tui.rest.errors import HttpStatusError, MaxPagesReached
from tui.rest.load import Page, iter_pages, load_rows
from tui.secrets import SecretStore

DEMO_ROWS = 5000  # tests/support/demo.py


def _config(url: str, load: str, path: str = "/products", extra: str = "") -> Config:
    return config(
        f"""
[integrations.i]
url = "{url}"
{extra}
[destinations.d]
integration = "i"
path = "{path}"
[destinations.d.load]
{load}
"""
    )


def _load(cfg: Config, limit: int | None = None) -> list[Page]:
    return list(load_rows(cfg.integrations["i"], cfg.destinations["d"], SecretStore(), limit=limit))


def _ids(pages: list[Page], key: str = "id") -> list[Any]:
    return [int(r[key]) for p in pages for r in p.records]


# -- demo server ------------------------------------------------------------------------

CURSOR = """records = "data"
params = { limit = "1000" }
pagination = { type = "next_url", next_url_path = "links.next.href" }"""


def test_demo_cursor_pagination(demo_server_session: DemoServer) -> None:
    pages = _load(_config(demo_server_session.api_url, CURSOR))
    assert len(pages) == 5
    assert _ids(pages) == list(range(1, DEMO_ROWS + 1))
    assert list(pages[0].records[0])[:3] == ["id", "sku", "name"]
    assert pages[-1].rows == DEMO_ROWS and pages[-1].total == DEMO_ROWS


def test_demo_link_header_and_limit(demo_server_session: DemoServer) -> None:
    load = 'params = { limit = "300" }\npagination = { type = "next_url", link_header = true }'
    pages = _load(_config(demo_server_session.api_url, load), limit=700)
    assert _ids(pages) == list(range(1, 701))
    assert len(pages) == 3  # stopped asking once the limit was reached


def test_demo_offset_with_total_from_header(demo_server_session: DemoServer) -> None:
    load = 'records = "data"\npagination = { type = "offset", count = 900 }'
    pages = _load(_config(demo_server_session.api_url, load))
    assert _ids(pages) == list(range(1, DEMO_ROWS + 1))
    assert len(pages) == 6  # 5 full pages + 500: no extra request for an empty page


@pytest.mark.slow
def test_demo_csv_and_xml_exports(demo_server_session: DemoServer) -> None:
    csv_pages = _load(_config(demo_server_session.api_url, "", path="/products.csv"))
    xml_pages = _load(_config(demo_server_session.api_url, "", path="/products.xml"))
    assert csv_pages[0].format == "csv" and xml_pages[0].format == "xml"
    assert csv_pages[0].records[:50] == xml_pages[0].records[:50]
    assert len(csv_pages[0].records) == DEMO_ROWS


def test_demo_nested_objects_and_arrays(demo_server_session: DemoServer) -> None:
    pages = _load(
        _config(demo_server_session.api_url, 'records = "data"', path="/web-integrations")
    )
    record = pages[0].records[0]
    assert "links.self.href" in record and record["links.self.href"].startswith("http")
    assert record["validOrigins"].startswith('["')


@pytest.mark.slow
def test_429_with_retry_after_is_waited_out(make_demo_server: Any) -> None:
    server: DemoServer = make_demo_server()
    server.inject_faults(2, status=429, retry_after=1)
    started = time.monotonic()
    pages = _load(_config(server.api_url, CURSOR))
    assert pages[-1].rows == DEMO_ROWS
    assert time.monotonic() - started >= 1.9
    statuses = [status for _, _, status in server.recent_requests]
    assert statuses[:3] == [429, 429, 200]


def test_a_server_that_keeps_failing_gives_one_clear_error(make_demo_server: Any) -> None:
    server: DemoServer = make_demo_server()
    server.inject_faults(1000, status=503)
    cfg = _config(server.api_url, CURSOR, extra="retries = 3\nbackoff = 0.05")
    started = time.monotonic()
    with pytest.raises(HttpStatusError) as caught:
        _load(cfg)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert message.startswith(f"GET {server.api_url}/products?limit=1000: 503")
    assert "gave up after 4 tries" in message and "\n" not in message
    assert server.request_count == 4


def test_max_pages_guard(demo_server_session: DemoServer) -> None:
    cfg = _config(
        demo_server_session.api_url,
        'params = { limit = "100" }\n'
        'pagination = { type = "next_url", next_url_path = "links.next.href", max_pages = 3 }',
    )
    pages: list[Page] = []
    with pytest.raises(MaxPagesReached, match="max_pages = 3"):
        pages.extend(_load_iter(cfg))
    assert len(pages) == 3 and pages[-1].rows == 300


def _load_iter(cfg: Config) -> Any:
    yield from load_rows(cfg.integrations["i"], cfg.destinations["d"], SecretStore())


async def test_async_pages_arrive_one_by_one(demo_server_session: DemoServer) -> None:
    cfg = _config(demo_server_session.api_url, CURSOR)
    async with Connection(cfg.integrations["i"], SecretStore()) as conn:
        pages = iter_pages(conn, cfg.destinations["d"])
        first = await anext(pages)
        before = demo_server_session.request_count
        await anext(pages)
        assert demo_server_session.request_count == before + 1  # nothing fetched ahead
        await pages.aclose()
    assert first.number == 1 and len(first.records) == 1000


# -- json-server 0.17 -------------------------------------------------------------------


def test_json_server_page_and_limit_with_link_header(json_server: JsonServer) -> None:
    load = (
        'params = { _page = "1", _limit = "40" }\n'
        'pagination = { type = "next_url", link_header = true, add_missing_params = true }'
    )
    pages = _load(_config(json_server.url, load, path="/items"))
    assert _ids(pages) == list(range(1, json_server.row_count + 1))
    assert len(pages) == 7  # 250 rows in pages of 40


def test_json_server_page_numbers(json_server: JsonServer) -> None:
    load = 'pagination = { type = "page", page_param = "_page", size_param = "_limit", size = 100 }'
    pages = _load(_config(json_server.url, load, path="/items"))
    assert _ids(pages) == list(range(1, json_server.row_count + 1))
    assert pages[0].total == json_server.row_count  # X-Total-Count


# -- PostgREST 12 -----------------------------------------------------------------------


def test_postgrest_offset_limit(postgrest: PostgRest) -> None:
    load = 'params = { order = "id" }\npagination = { type = "offset", count = 1000 }'
    pages = _load(_config(postgrest.url, load, path="/items"))
    assert _ids(pages) == list(range(1, postgrest.row_count + 1))
    # Without a total the load ends on the first empty page.
    assert len(pages) == 4 and pages[-1].records == []


def test_postgrest_range_with_content_range(postgrest: PostgRest) -> None:
    load = 'params = { order = "id" }\npagination = { type = "range", count = 700 }'
    exact = 'headers = { Prefer = "count=exact" }'
    pages = _load(_config(postgrest.url, f"{load}\n{exact}", path="/items"))
    assert _ids(pages) == list(range(1, postgrest.row_count + 1))
    assert pages[0].total == postgrest.row_count and len(pages) == 5
    # Without count=exact the total is "*": the load ends at the 416 past the last row.
    pages = _load(_config(postgrest.url, load, path="/items"))
    assert _ids(pages) == list(range(1, postgrest.row_count + 1))


def test_postgrest_error_body_in_words(postgrest: PostgRest) -> None:
    cfg = _config(postgrest.url, 'params = { nosuchcolumn = "eq.1" }', path="/items")
    with pytest.raises(HttpStatusError) as caught:
        _load(cfg)
    assert caught.value.status == 400
    assert "nosuchcolumn" in caught.value.message and "[42703]" in caught.value.message
