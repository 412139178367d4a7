"""Pages asked for ahead (counted pagination with a known total), and the fast JSON paths:
against a scripted HTTP server on 127.0.0.1 that can cap page sizes, slow down and fail."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.scripted_server import Reply, ScriptedServer, Seen, config
from tui.config.model import Config
from tui.jsonlines import dump_lines, loads
from tui.rest.decode import decode
from tui.rest.errors import HttpStatusError, MaxPagesReached
from tui.rest.load import Page, load_rows
from tui.secrets import SecretStore

TOTAL = 1000
Make = Callable[[Callable[[Seen], Reply]], ScriptedServer]


class Rows:
    """An offset/limit endpoint over TOTAL rows: may cap the page size, wait, or fail."""

    def __init__(self, cap: int = 10_000, delay: float = 0.0, fail_at: int | None = None) -> None:
        self.cap, self.delay, self.fail_at = cap, delay, fail_at
        self.in_flight = self.most_in_flight = 0
        self.lock = threading.Lock()

    def __call__(self, seen: Seen) -> Reply:
        query = {k: v[0] for k, v in parse_qs(urlsplit(seen.path).query).items()}
        start = int(query.get("offset", query.get("page", "1")))
        if "page" in query:
            start = (start - 1) * int(query["size"])
        count = min(int(query.get("limit", query.get("size", "100"))), self.cap)
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            if start == self.fail_at:
                return Reply(500, {"message": "the database is down"})
            rows = [{"id": i, "name": f"row {i}"} for i in range(start, min(start + count, TOTAL))]
            return Reply(200, {"data": rows, "meta": {"total": TOTAL}})
        finally:
            with self.lock:
                self.in_flight -= 1


def _config(url: str, pagination: str, concurrency: int = 4) -> Config:
    return config(
        f"""
[integrations.i]
url = "{url}"
max_concurrency = {concurrency}
[destinations.d]
integration = "i"
path = "/rows"
[destinations.d.load]
records = "data"
pagination = {{ {pagination} }}
"""
    )


def _load(cfg: Config, limit: int | None = None) -> list[Page]:
    return list(load_rows(cfg.integrations["i"], cfg.destinations["d"], SecretStore(), limit=limit))


def _ids(pages: list[Page]) -> list[int]:
    return [r["id"] for p in pages for r in p.records]


def _offsets(server: ScriptedServer) -> list[int]:
    return sorted(int(parse_qs(urlsplit(s.path).query)["offset"][0]) for s in server.seen)


OFFSET = 'type = "offset", count = 100, total_path = "meta.total"'


def test_pages_ahead_come_in_order_and_overlap(scripted: Make) -> None:
    rows = Rows(delay=0.05)
    server = scripted(rows)
    pages = _load(_config(server.url, OFFSET, concurrency=3))
    assert _ids(pages) == list(range(TOTAL))
    assert [p.number for p in pages] == list(range(1, 11))
    assert _offsets(server) == list(range(0, TOTAL, 100))  # each page asked for once
    assert 2 <= rows.most_in_flight <= 3  # ahead, within max_concurrency


@pytest.mark.slow
def test_one_at_a_time_where_the_total_is_unknown(scripted: Make) -> None:
    rows = Rows(delay=0.02)
    server = scripted(rows)
    pages = _load(_config(server.url, 'type = "offset", count = 100'))
    assert _ids(pages) == list(range(TOTAL))
    assert rows.most_in_flight == 1


def test_a_server_that_caps_the_page_size_loses_no_row(scripted: Make) -> None:
    server = scripted(Rows(cap=70))
    pages = _load(_config(server.url, OFFSET))
    assert _ids(pages) == list(range(TOTAL))
    # foreseen by the rows a page brought (70), so no request goes to waste
    assert len(server.seen) == len(pages) == 15


def test_the_next_page_is_asked_for_while_the_caller_holds_this_one(scripted: Make) -> None:
    # next_url: the next request can only follow the page that names it; the command
    # line's caller writes a page out meanwhile, and the request must not wait for it
    def linked(seen: Seen) -> Reply:
        number = int(parse_qs(urlsplit(seen.path).query).get("p", ["1"])[0])
        following = {"next": f"/rows?p={number + 1}"} if number < 3 else {}
        return Reply(200, {"data": [{"id": number}], "links": following})

    server = scripted(linked)
    cfg = _config(server.url, 'type = "next_url", next_url_path = "links.next"')
    pages = load_rows(cfg.integrations["i"], cfg.destinations["d"], SecretStore())
    try:
        assert next(pages).records == [{"id": 1}]
        deadline = time.monotonic() + 10
        while len(server.seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [s.path for s in server.seen] == ["/rows", "/rows?p=2"]
        assert [p.records for p in pages] == [[{"id": 2}], [{"id": 3}]]
    finally:
        pages.close()


def test_page_numbers_ahead(scripted: Make) -> None:
    rows = Rows(delay=0.02)
    server = scripted(rows)
    pagination = 'type = "page", size_param = "size", size = 100, total_path = "meta.total"'
    pages = _load(_config(server.url, pagination))
    assert _ids(pages) == list(range(TOTAL))
    assert len(server.seen) == 10 and rows.most_in_flight >= 2


def test_nothing_asked_for_past_max_pages(scripted: Make) -> None:
    server = scripted(Rows())
    cfg = _config(server.url, OFFSET + ", max_pages = 3")
    with pytest.raises(MaxPagesReached):
        _load(cfg)
    assert _offsets(server) == [0, 100, 200]


def test_nothing_asked_for_past_the_limit(scripted: Make) -> None:
    server = scripted(Rows())
    pages = _load(_config(server.url, OFFSET), limit=250)
    assert _ids(pages) == list(range(250))
    assert _offsets(server) == [0, 100, 200]


def test_a_failed_page_ahead_fails_in_its_turn(scripted: Make) -> None:
    server = scripted(Rows(fail_at=400))
    cfg = _config(server.url, OFFSET)
    seen: list[int] = []
    with pytest.raises(HttpStatusError) as failed:
        for page in load_rows(cfg.integrations["i"], cfg.destinations["d"], SecretStore()):
            seen.extend(r["id"] for r in page.records)
    assert seen == list(range(400))  # the pages before it, all of them, in order
    assert "offset=400" in failed.value.request and "the database is down" in str(failed.value)


# -- the JSON paths --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [{"a": 123456789012345678901234567890}]}',  # past 64 bits: exact
        b'\xef\xbb\xbf{"data": [{"a": 1}]}',  # a byte order mark
        b'{"data": [{"a": NaN, "b": Infinity}]}',  # what json accepts beyond the RFC
        '{"data": [{"a": "\u00e9\u4e2d"}]}'.encode("utf-16"),
        b'{"data": [{"a": "\\ud800"}]}',  # a lone surrogate
        b'{"data": [{"a": 1e400, "b": -9223372036854775809}]}',  # past a double, past int64
    ],
)
@pytest.mark.parametrize("expect_flat", [True, False])
def test_bodies_decode_as_json_decodes_them(body: bytes, expect_flat: bool) -> None:
    expected = json.loads(body)["data"]
    got = decode(body, "json", records="data", expect_flat=expect_flat).records
    assert repr(got) == repr(expected)


@pytest.mark.parametrize(
    ("body", "records"),
    [
        (b'[{"a": 1, "b": {"c": 2}}]', [{"a": 1, "b.c": 2}]),
        (b'[{"a": [1, 2]}, {"a": 3}]', [{"a": "[1,2]"}, {"a": 3}]),
        (b'[{"a": "{["}, {"a": {"b": 1}}]', [{"a": "{["}, {"a.b": 1}]),
        (b'[7, {"a": "{"}]', [{"value": 7}, {"a": "{"}]),
        (b'{"data": [{"a": 1}], "more": [{"x": {"y": 1}}]}', [{"a": 1}]),
    ],
)
@pytest.mark.parametrize("expect_flat", [True, False])
def test_nested_records_are_flattened_whatever_the_strings_hold(
    body: bytes, records: list[dict[str, object]], expect_flat: bool
) -> None:
    path = "data" if body.startswith(b'{"data"') else ""
    assert decode(body, "json", records=path, expect_flat=expect_flat).records == records


FLAT = [
    {"id": i, "name": f"row {i}", "price": i / 4, "ok": i % 2 == 0, "note": None} for i in range(50)
]


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"data": FLAT, "links": {"next": {"href": "/p/2"}}, "count": 50}, "data"),
        ({"meta": {"total": 50}, "items": FLAT, "errors": []}, ""),  # found by looking
        (FLAT, ""),
    ],
)
def test_flat_pages_are_checked_as_they_are_decoded(document: object, path: str) -> None:
    body = json.dumps(document).encode()
    got = decode(body, "json", records=path)
    assert got.flat and got.records == FLAT
    # the records are the decoded array itself: nothing was copied or flattened
    assert any(got.records is v for v in [got.document, *getattr(got.document, "values", list)()])


@pytest.mark.parametrize(
    ("document", "path", "last"),
    [
        # nested only in the last record: the whole page still goes through flatten
        ({"data": [*FLAT, {"id": 50, "tags": ["a"]}]}, "data", {"id": 50, "tags": '["a"]'}),
        ({"data": [*FLAT, {"id": 50, "at": {"x": 1}}]}, "data", {"id": 50, "at.x": 1}),
        # records below the top level: not checked by the decoder, found by the scan
        (
            {"result": {"rows": [*FLAT, {"id": 50, "at": {"x": 1}}]}},
            "result.rows",
            {"id": 50, "at.x": 1},
        ),
        ({"data": {"id": 50, "at": {"x": 1}}}, "data", {"id": 50, "at.x": 1}),  # one record
    ],
)
def test_pages_that_are_not_flat_are_flattened(document: object, path: str, last: object) -> None:
    got = decode(json.dumps(document).encode(), "json", records=path)
    assert got.records[-1] == last and not got.flat
    assert got.records[:-1] == (FLAT if len(got.records) > 1 else [])


def test_a_load_of_pages_flat_and_nested_in_turn_flattens_those_that_need_it(
    scripted: Make,
) -> None:
    def reply(seen: Seen) -> Reply:
        offset = int(parse_qs(urlsplit(seen.path).query)["offset"][0])
        rows: list[dict[str, object]] = [{"id": i} for i in range(offset, offset + 100)]
        if offset // 100 in (1, 2, 5):  # nested pages between flat ones
            rows[-1]["at"] = {"x": offset}
        return Reply(200, {"data": rows, "meta": {"total": 700}})

    pages = _load(_config(scripted(reply).url, OFFSET))
    assert _ids(pages) == list(range(700))
    nested = [p.number for p in pages if "at.x" in p.records[-1]]
    assert nested == [2, 3, 6]
    assert all("at" not in r for p in pages for r in p.records)


def test_invalid_json_keeps_its_words() -> None:
    try:
        json.loads(b'{"a": "x')
    except ValueError as exc:
        words = str(exc)
    with pytest.raises(ValueError) as failed:
        loads(b'{"a": "x')
    assert str(failed.value) == words


def test_json_lines_out_read_back_the_same() -> None:
    records = [
        {"id": 1, "name": "Zoë 中", "price": 0.1, "big": 2**70, "none": None, "ok": True},
        {"id": 2, "nested": "[1,2]", "neg": -(2**63)},
    ]
    lines = dump_lines(records).decode().splitlines()
    assert [json.loads(line) for line in lines] == records
    assert "Zoë 中" in lines[0]  # UTF-8, not escaped
