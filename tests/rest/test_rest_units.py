"""The REST engine's pure parts: error bodies, retries, trust rules, decoding, pagination."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from tui.config.model import Integration, Pagination
from tui.rest.decode import decode, detect_format, flatten
from tui.rest.errors import describe_body
from tui.rest.limits import RateLimiter, RetryPolicy, retry_after_seconds
from tui.rest.paginate import Paginator, header_total, next_link
from tui.rest.trust import TrustPolicy, safe_url


def _response(status: int, body: object, content_type: str = "application/json") -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers={"content-type": content_type})


# -- error bodies -----------------------------------------------------------------------


def test_qlik_errors_with_trace_id() -> None:
    body = {
        "errors": [
            {"code": "HTTP-400", "title": "Bad request", "detail": "qty must be >= 0",
             "source": {"pointer": "/qty"}},
            {"code": "HTTP-400", "title": "Bad request", "detail": "sku is required"},
        ],
        "traceId": "abc123",
    }  # fmt: skip
    text = describe_body(_response(400, body))
    assert text == (
        "Bad request: qty must be >= 0 at /qty [HTTP-400]; "
        "Bad request: sku is required [HTTP-400] (traceId abc123)"
    )


def test_problem_json() -> None:
    body = {"type": "about:blank", "title": "Out of stock", "detail": "item 7", "status": 409}
    assert describe_body(_response(409, body, "application/problem+json")) == "Out of stock: item 7"


def test_postgrest_error() -> None:
    body = {"code": "PGRST102", "message": "All object keys must match", "details": None,
            "hint": "check the keys"}  # fmt: skip
    assert describe_body(_response(400, body)) == (
        "All object keys must match [PGRST102]; hint: check the keys"
    )


def test_html_is_trimmed_to_its_words() -> None:
    page = b"<html><head><title>502 Bad Gateway</title><style>p{}</style></head>" + (
        b"<body><h1>502 Bad Gateway</h1><p>nginx</p>" + b"<p>x</p>" * 200 + b"</body></html>"
    )
    text = describe_body(_response(502, page, "text/html"))
    assert text.startswith("502 Bad Gateway: nginx x")  # the <h1> repeating the title is dropped
    assert "<" not in text and "p{}" not in text and len(text) <= 300


# -- retries and rate limits ------------------------------------------------------------


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7.0
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(later, now) == pytest.approx(30.0)
    assert retry_after_seconds("soon", now) is None


def test_post_is_not_retried_without_an_idempotency_key() -> None:
    policy = RetryPolicy(retries=3, backoff=0.0)
    post = httpx.Request("POST", "http://h/x")
    failed = httpx.Response(503, request=post)
    decision = policy.decide(0, post, failed)
    assert decision.wait is None and "idempotency key" in decision.note
    keyed = RetryPolicy(retries=3, backoff=0.0, idempotency_header="Idempotency-Key")
    with_key = httpx.Request("POST", "http://h/x", headers={"Idempotency-Key": "k1"})
    assert keyed.decide(0, with_key, httpx.Response(503, request=with_key)).wait == 0.0
    # A 429 was refused before processing: resending cannot do anything twice.
    assert policy.decide(0, post, httpx.Response(429, request=post)).wait == 0.0


def test_retry_after_beyond_max_retry_wait_gives_up_with_a_reason() -> None:
    policy = RetryPolicy(retries=3, backoff=0.1, max_retry_wait=5)
    get = httpx.Request("GET", "http://h/x")
    decision = policy.decide(0, get, httpx.Response(429, headers={"Retry-After": "120"}))
    assert decision.wait is None and "max_retry_wait" in decision.note
    assert policy.decide(3, get, httpx.Response(503)).wait is None
    assert policy.decide(0, get, httpx.Response(404)).wait is None


def test_rate_limiter_spaces_requests() -> None:
    limiter = RateLimiter(60)  # one a second, no burst
    waits = [limiter.reserve() for _ in range(3)]
    assert waits[0] == 0.0
    assert waits[1] == pytest.approx(1.0, abs=0.05)
    assert waits[2] == pytest.approx(2.0, abs=0.05)
    assert RateLimiter(0).reserve() == 0.0


# -- trust ------------------------------------------------------------------------------


def _policy(**kw: object) -> TrustPolicy:
    return TrustPolicy(Integration(id="t", url="https://api.example.com/v1", **kw))  # type: ignore[arg-type]


def test_prefixes_match_whole_hosts_and_path_segments() -> None:
    policy = _policy(redirect_allowlist=("https://files.example.com/dl",))
    assert policy.may_follow(httpx.URL("https://api.example.com/v1/things?page=2"))
    assert policy.may_follow(httpx.URL("https://files.example.com/dl/a.csv"))
    assert not policy.may_follow(httpx.URL("https://files.example.com/dlx"))
    assert not policy.may_follow(httpx.URL("https://files.example.com.evil.net/dl/a"))
    assert not policy.may_follow(httpx.URL("http://files.example.com/dl/a"))
    assert not policy.may_follow(httpx.URL("https://api.example.com/v2/x"))


def test_credentials_only_to_own_and_trusted_hosts() -> None:
    policy = _policy(trusted_hosts=("files.example.com", "cdn.example.com:8443"))
    assert policy.sends_credentials_to(httpx.URL("https://api.example.com/other"))
    assert policy.sends_credentials_to(httpx.URL("https://FILES.example.com/x"))
    assert policy.sends_credentials_to(httpx.URL("https://cdn.example.com:8443/x"))
    assert not policy.sends_credentials_to(httpx.URL("https://cdn.example.com/x"))
    assert not policy.sends_credentials_to(httpx.URL("https://api.example.com:444/x"))
    assert not policy.sends_credentials_to(httpx.URL("https://evil.net/x"))


def test_safe_url_drops_userinfo_and_credential_params() -> None:
    text = safe_url("https://bob:pw@h.example/x?api_key=SECRET&page=2")
    assert text == "https://h.example/x?api_key=%2A%2A%2A&page=2"


# -- decoding ---------------------------------------------------------------------------


def test_detect_format() -> None:
    assert detect_format("application/vnd.api+json; charset=utf-8", b"") == "json"
    assert detect_format("text/xml", b"") == "xml"
    assert detect_format("text/plain", b'  [{"a": 1}]') == "json"
    assert detect_format("", b"<rows/>") == "xml"
    assert detect_format("application/octet-stream", b"a,b\n1,2") == "csv"


def test_flatten_nested_objects_and_arrays() -> None:
    record = {"id": 1, "address": {"city": "Oslo", "geo": {"lat": 59.9}}, "tags": ["a", "b"],
              "meta": {}}  # fmt: skip
    assert flatten(record) == {
        "id": 1,
        "address.city": "Oslo",
        "address.geo.lat": 59.9,
        "tags": '["a","b"]',
        "meta": "{}",
    }
    flat = {"id": 1, "name": "x"}
    assert flatten(flat) is flat  # the flat case is not copied


def test_json_records_path_and_auto() -> None:
    body = json.dumps({"results": {"items": [{"a": 1}, {"a": 2}]}, "meta": {"n": 2}}).encode()
    assert [r["a"] for r in decode(body, "json", records="results.items").records] == [1, 2]
    auto = decode(json.dumps({"count": 1, "data": [{"a": 3}]}).encode(), "json")
    assert auto.records == [{"a": 3}]
    assert decode(b"[]", "json").records == []
    assert decode(json.dumps({"a": 1}).encode(), "json").records == [{"a": 1}]


def test_csv_with_delimiter_bom_and_duplicate_names() -> None:
    body = "\ufeffid;name;name\n1;a;b\n\n2;c\n".encode()
    records = decode(body, "csv", csv_delimiter=";").records
    assert records == [
        {"id": "1", "name": "a", "name_2": "b"},
        {"id": "2", "name": "c", "name_2": ""},
    ]


def test_xml_repeated_children_attributes_and_nesting() -> None:
    body = b"""<?xml version="1.0"?>
    <response><meta><next>tok2</next></meta>
      <items>
        <item id="1"><name>a</name><dim><w>3</w></dim><tag>x</tag><tag>y</tag></item>
        <item id="2"><name>b</name></item>
      </items></response>"""
    decoded = decode(body, "xml")
    assert decoded.records[0] == {"@id": "1", "name": "a", "dim.w": "3", "tag": '["x","y"]'}
    assert decoded.records[1] == {"@id": "2", "name": "b"}
    assert decoded.lookup("meta.next") == "tok2"
    assert len(decode(body, "xml", xml_record="item").records) == 2


# -- pagination -------------------------------------------------------------------------


def test_link_header_parsing() -> None:
    value = (
        '<http://h/items?_page=1>; rel="first", <http://h/items?_page=3>; rel="next", '
        '<http://h/items?_page=9>; rel="last"'
    )
    assert next_link(value) == "http://h/items?_page=3"
    assert next_link('<http://h/a>; rel="prev"') is None
    assert header_total(httpx.Headers({"content-range": "0-99/3000"})) == 3000
    assert header_total(httpx.Headers({"content-range": "0-99/*"})) is None
    assert header_total(httpx.Headers({"x-total-count": "12"})) == 12


def test_offset_steps_by_rows_received_and_stops_at_total() -> None:
    pager = Paginator(Pagination(type="offset", count=100, total_path="total"), {})
    first = pager.first(httpx.URL("http://h/items"))
    assert first.url.params["offset"] == "0" and first.url.params["limit"] == "100"
    capped = decode(json.dumps({"total": 130, "data": [{}] * 80}).encode(), "json")
    pager.note_total(capped, httpx.Response(200))
    second = pager.next(first, capped, httpx.Response(200))
    assert second is not None and second.url.params["offset"] == "80"
    last = decode(json.dumps({"total": 130, "data": [{}] * 50}).encode(), "json")
    assert pager.next(second, last, httpx.Response(200)) is None


def test_next_url_adds_missing_params_and_refuses_loops() -> None:
    from tui.rest.errors import PaginationError

    spec = Pagination(type="next_url", next_url_path="next", add_missing_params=True)
    pager = Paginator(spec, {"limit": "5", "lang": "en"})
    first = pager.first(httpx.URL("http://h/a?limit=5&lang=en"))
    page = decode(json.dumps({"next": "/a?cursor=2&limit=5", "d": [{}]}).encode(), "json")
    second = pager.next(first, page, httpx.Response(200))
    assert second is not None
    assert dict(second.url.params) == {"cursor": "2", "limit": "5", "lang": "en"}
    with pytest.raises(PaginationError, match="already sent"):
        pager.next(second, page, httpx.Response(200))
