"""Loading rows through a faulty network, at the answer: error statuses (retried or not,
Retry-After), bodies that cannot be read, HTML pages, and a 50 MB body.

A real demo server (with a bearer token) sits behind the fault proxy; the demo
config's `products` destination is loaded through the proxy with the real
engine (`load_rows`).  Every error must be one line naming the request, without a
traceback or the token, and rows of pages that arrived before the fault are kept.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.fault_proxy import (
    MB,
    FaultProxy,
    big_body,
    body,
    html_error,
    http_date,
    retry_after,
    status,
)
from tests.support.faulty_load import (
    FAST,
    PAGE_1,
    PAGE_2,
    PAGE_3,
    ROWS,
    SERVER_ERROR,
    _assert_clear,
    _config,
    _faults,
    _load,
    _request,
    _rows,
)
from tui.rest.errors import HttpStatusError, ResponseError

# -- error statuses ----------------------------------------------------------------------


def test_a_500_is_not_retried_and_carries_the_server_reason(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(status(500, SERVER_ERROR), path=PAGE_3)
    pages, error = _load(_config(tmp_path, proxy, "retries = 3\nbackoff = 0\n"))
    assert isinstance(error, HttpStatusError) and error.status == 500
    message = _assert_clear(error, _request(proxy, PAGE_3))
    assert "500 Internal Server Error" in message and "database is locked" in message
    assert _rows(pages) == 2000 and _faults(proxy, PAGE_3) == ["status"]


def test_502_then_503_are_retried_and_the_load_completes(tmp_path: Path, proxy: FaultProxy) -> None:
    proxy.add(status(502), path=PAGE_1)
    proxy.add(status(503), path=PAGE_1)
    pages, error = _load(_config(tmp_path, proxy, "retries = 3\nbackoff = 0\n"))
    assert error is None and _rows(pages) == ROWS
    assert _faults(proxy, PAGE_1) == ["status", "status", "pass"]
    assert [h.upstream_status for h in proxy.log[:3]] == [None, None, 200]


def test_a_503_forever_gives_up_after_the_retries(tmp_path: Path, proxy: FaultProxy) -> None:
    proxy.add(status(503), times=-1)
    pages, error = _load(_config(tmp_path, proxy, "retries = 2\nbackoff = 0\n"))
    assert isinstance(error, HttpStatusError) and error.status == 503
    message = _assert_clear(error, _request(proxy))
    assert "503 Service Unavailable" in message and "gave up after 3 tries" in message
    assert pages == [] and len(proxy.log) == 3 and proxy.forwarded() == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("value", "least"),
    [(lambda: "1", 0.95), (lambda: http_date(2), 0.95)],  # a date has whole seconds: (1, 2]
    ids=["seconds", "http-date"],
)
def test_429_retry_after_is_waited_out(
    tmp_path: Path, proxy: FaultProxy, value: Callable[[], str], least: float
) -> None:
    config = _config(tmp_path, proxy)
    proxy.add(retry_after(429, value()), path=PAGE_2)
    started = time.monotonic()
    pages, error = _load(config)
    elapsed = time.monotonic() - started
    assert error is None and _rows(pages) == ROWS
    assert _faults(proxy, PAGE_2) == ["retry_after", "pass"]
    assert least <= elapsed < 10


def test_a_retry_after_beyond_max_retry_wait_is_a_clear_error(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(retry_after(429, "120"), times=-1)
    started = time.monotonic()
    pages, error = _load(_config(tmp_path, proxy, FAST + "max_retry_wait = 2\n"))
    assert isinstance(error, HttpStatusError) and error.status == 429
    message = _assert_clear(error, _request(proxy))
    assert "Retry-After 120 s is more than max_retry_wait 2 s" in message
    assert time.monotonic() - started < 10 and len(proxy.log) == 1  # not waited out: 120 s
    assert pages == []


# -- bodies that cannot be read ----------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b'{"data": [{"id": 1, "sku": "PRD-0', b"{'data': [1, 2]}"],
    ids=["truncated-json", "invalid-json"],
)
def test_a_body_that_is_not_json_is_a_response_error(
    tmp_path: Path, proxy: FaultProxy, data: bytes
) -> None:
    proxy.add(body(data), path=PAGE_2)
    pages, error = _load(_config(tmp_path, proxy))
    assert isinstance(error, ResponseError)
    message = _assert_clear(error, _request(proxy, PAGE_2))
    assert "the body is not valid JSON" in message
    assert _rows(pages) == 1000 and _faults(proxy, PAGE_2) == ["body"]  # not retried


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=utf-8", "application/json; charset=base64"]
)
def test_json_under_a_wrong_label_still_loads(
    tmp_path: Path, proxy: FaultProxy, content_type: str
) -> None:
    """Old APIs label JSON text/html, or name a charset that is no text encoding."""
    data = b'{"data": [{"id": 1, "sku": "PRD-00001", "name": "Labelled"}]}'
    proxy.add(body(data, content_type), path=PAGE_1)
    pages, error = _load(_config(tmp_path, proxy))
    assert error is None and pages[0].records[0]["name"] == "Labelled"


@pytest.mark.parametrize(
    ("style", "title"),
    [("nginx", "502 Bad Gateway"), ("iis", "502 - Bad Gateway")],
)
def test_an_html_error_page_is_named_by_its_title(
    tmp_path: Path, proxy: FaultProxy, style: str, title: str
) -> None:
    proxy.add(html_error(502, style=style), times=-1)
    pages, error = _load(_config(tmp_path, proxy))
    assert isinstance(error, HttpStatusError) and error.status == 502
    message = _assert_clear(error, _request(proxy))
    assert message.startswith(_request(proxy) + ": 502 Bad Gateway") and title in message
    assert "<" not in message and "html" not in message.lower() and len(message) < 400


SIGN_IN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in - Contoso</title></head>"
    b'<body><form action="/login"><input name="user"></form></body></html>'
)


def test_an_html_page_with_200_is_an_error_naming_the_page(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(body(SIGN_IN_PAGE, "text/html; charset=utf-8"), path=PAGE_1)
    pages, error = _load(_config(tmp_path, proxy))
    assert isinstance(error, ResponseError)
    message = _assert_clear(error, _request(proxy))
    assert "Sign in - Contoso" in message and "<" not in message
    assert pages == []


# -- a huge body -------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    assert match, field
    return int(match.group(1))


def _reset_peak() -> bool:
    """Start a new VmHWM from the current RSS (Linux 4.0+); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@pytest.mark.parametrize(
    ("announced", "bound_mb"),
    # Refused on its Content-Length: nothing read.  Without one: up to the 32 MB limit is
    # read in pieces, then refused; reading the whole body first would take over 100 MB.
    [(True, 45), (False, 64)],
    ids=["content-length", "until-close"],
)
def test_a_50_mb_body_is_refused_without_filling_memory(
    tmp_path: Path, proxy: FaultProxy, announced: bool, bound_mb: int
) -> None:
    config = _config(tmp_path, proxy)
    proxy.add(big_body(50, content_length=announced), path=PAGE_2)
    measured = _reset_peak()
    before = _status_kb("VmRSS") if measured else 0
    pages, error = _load(config)
    growth_mb = (_status_kb("VmHWM") - before) / 1024 if measured else 0.0
    assert isinstance(error, ResponseError)
    message = _assert_clear(error, _request(proxy, PAGE_2))
    assert "larger than 32 MB" in message and "max_response_mb" in message
    assert _rows(pages) == 1000 and _faults(proxy, PAGE_2) == ["big_body"]
    if not measured:
        pytest.skip("cannot reset the peak RSS here (/proc/self/clear_refs)")
    assert growth_mb < bound_mb, f"the process grew by {growth_mb:.0f} MB"


@pytest.mark.slow
def test_a_50_mb_body_loads_under_a_larger_max_response_mb(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(big_body(50), path=PAGE_1)
    pages, error = _load(_config(tmp_path, proxy, FAST + "max_response_mb = 64\n"))
    assert error is None and len(pages) == 1  # the big page has no next link
    record_size = len(b'{"id":1,"sku":"PRD-00001","name":"') + 180  # a demo product, roughly
    assert _rows(pages) > 50 * MB // record_size
    assert {"id", "sku", "name", "price", "_etag"} <= set(pages[0].records[-1])
