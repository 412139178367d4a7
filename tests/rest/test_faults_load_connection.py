"""Loading rows through a faulty network, at the connection: slow answers, connections
broken mid-answer, a redirect outside the allowlist and an untrusted certificate.

A real demo server (with a bearer token) sits behind the fault proxy; the demo
config's `products` destination is loaded through the proxy with the real
engine (`load_rows`).  Every error must be one line naming the request, without a
traceback or the token, and rows of pages that arrived before the fault are kept.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.support.fault_proxy import Fault, FaultProxy, delay, redirect, reset, truncate
from tests.support.faulty_load import (
    CERT_REFUSED,
    PAGE_2,
    PAGE_3,
    ROWS,
    MakeProxy,
    _assert_clear,
    _config,
    _faults,
    _load,
    _request,
    _rows,
)
from tui.demo import DemoServer
from tui.rest.errors import RedirectRefused, TimedOut, TlsError, TransportError

# -- slow answers ------------------------------------------------------------------------


@pytest.mark.slow
def test_a_delay_under_the_timeout_only_makes_the_load_slower(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(delay(0.5), path=PAGE_2)
    started = time.monotonic()
    pages, error = _load(_config(tmp_path, proxy, timeout=5))
    assert error is None and _rows(pages) == ROWS
    assert time.monotonic() - started >= 0.5
    assert _faults(proxy, PAGE_2) == ["delay"] and len(proxy.log) == 5  # nothing retried


@pytest.mark.slow
def test_a_delay_over_the_timeout_is_a_timed_out_error_after_the_retry(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(delay(3), path=PAGE_3, times=-1)
    started = time.monotonic()
    pages, error = _load(_config(tmp_path, proxy, timeout=0.5))
    elapsed = time.monotonic() - started
    assert isinstance(error, TimedOut)
    message = _assert_clear(error, _request(proxy, PAGE_3))
    assert "no answer within 0.5 s" in message and "gave up after 2 tries" in message
    assert _rows(pages) == 2000  # pages 1 and 2 were delivered before the error
    assert _faults(proxy, PAGE_3) == ["delay", "delay"]
    assert 1.0 <= elapsed < 10  # an upper bound loose enough for a busy machine


# -- broken connections ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [reset(after_bytes=200), reset(forward=False), truncate()],
    ids=["reset-mid-answer", "reset-before-forwarding", "truncate"],
)
def test_a_broken_answer_once_is_retried_and_the_load_completes(
    tmp_path: Path, proxy: FaultProxy, fault: Fault
) -> None:
    proxy.add(fault, path=PAGE_2)
    pages, error = _load(_config(tmp_path, proxy))
    assert error is None and _rows(pages) == ROWS
    assert _faults(proxy, PAGE_2) == [fault.kind, "pass"]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (reset(after_bytes=200), "connection reset by peer"),
        (truncate(), "peer closed connection without sending complete message body"),
    ],
    ids=["reset", "truncate"],
)
def test_an_answer_broken_every_time_is_one_clear_error(
    tmp_path: Path, proxy: FaultProxy, fault: Fault, reason: str
) -> None:
    proxy.add(fault, path=PAGE_3, times=-1)
    pages, error = _load(_config(tmp_path, proxy))
    assert isinstance(error, TransportError)
    message = _assert_clear(error, _request(proxy, PAGE_3))
    assert reason in message and "gave up after 2 tries" in message
    assert _rows(pages) == 2000
    assert len(_faults(proxy, PAGE_3)) == 2


# -- places the client must not go -------------------------------------------------------


def test_a_redirect_outside_the_allowlist_is_refused_and_never_followed(
    tmp_path: Path, proxy: FaultProxy, fault_proxy: MakeProxy, upstream: DemoServer
) -> None:
    elsewhere = fault_proxy(upstream.url)
    target = f"{elsewhere.url}/api/v1/products?limit=1000&startingAfter=2000"
    proxy.add(redirect(target), path=PAGE_3)
    pages, error = _load(_config(tmp_path, proxy))
    assert isinstance(error, RedirectRefused)
    message = _assert_clear(error, _request(proxy, PAGE_3))
    assert f"redirect 307 to {target} refused" in message
    assert elsewhere.log == []  # not contacted, so the token never went there
    assert _rows(pages) == 2000


def test_an_untrusted_certificate_is_a_tls_error_before_anything_is_sent(
    tmp_path: Path,
    fault_proxy: MakeProxy,
    upstream: DemoServer,
    untrusted_cert: tuple[Path, Path],
) -> None:
    proxy = fault_proxy(upstream.url, tls=untrusted_cert)
    before = upstream.request_count
    pages, error = _load(_config(tmp_path, proxy))
    assert isinstance(error, TlsError)
    message = _assert_clear(error, _request(proxy))
    assert re.search(CERT_REFUSED, message)
    assert pages == [] and proxy.log == [] and upstream.request_count == before
