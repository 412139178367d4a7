"""The fault proxy itself: each fault does what it says, seen by a plain httpx client.

The upstream is the real demo server; what reached it is checked on both sides
(the proxy's log and the demo server's request count).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.fault_proxy import (
    FaultProxy,
    big_body,
    body,
    delay,
    hang,
    hang_after_forward,
    html_error,
    redirect,
    reset,
    retry_after,
    status,
    truncate,
)
from tests.support.srv_tls import pinned_context
from tui.demo import DemoServer

API = "/api/v1"
PRODUCTS = f"{API}/products?limit=5"
MakeProxy = Callable[..., FaultProxy]


@pytest.fixture
def proxy(fault_proxy: MakeProxy, demo_server: DemoServer) -> FaultProxy:
    return fault_proxy(demo_server.url)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as plain:
        yield plain


def _get(client: httpx.Client, proxy: FaultProxy, path: str = PRODUCTS) -> httpx.Response:
    return client.get(proxy.url + path)


def test_passes_through_and_keeps_next_links_on_the_proxy(
    proxy: FaultProxy, demo_server: DemoServer, client: httpx.Client
) -> None:
    direct = client.get(demo_server.url + PRODUCTS).json()
    response = _get(client, proxy)
    assert response.status_code == 200 and response.headers["connection"] == "close"
    data = response.json()
    assert data["data"] == direct["data"]
    assert data["links"]["next"]["href"].startswith(proxy.url + API + "/products?")
    assert response.headers["link"].startswith(f"<{proxy.url}{API}/products?")
    assert [(h.method, h.path, h.fault, h.forwarded, h.upstream_status) for h in proxy.log] == [
        ("GET", PRODUCTS, "pass", True, 200)
    ]


def test_delay_waits_then_forwards(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.add(delay(0.4))
    started = time.monotonic()
    assert _get(client, proxy).status_code == 200
    assert time.monotonic() - started >= 0.4
    assert proxy.log[0].fault == "delay" and proxy.forwarded() == 1


def test_hang_never_answers_and_never_forwards(
    proxy: FaultProxy, demo_server: DemoServer, client: httpx.Client
) -> None:
    before = demo_server.request_count
    proxy.add(hang())
    with pytest.raises(httpx.ReadTimeout):
        client.get(proxy.url + PRODUCTS, timeout=0.3)
    assert proxy.forwarded() == 0 and demo_server.request_count == before
    assert _get(client, proxy).status_code == 200  # times=1: the next one passes


def test_hang_after_forward_reaches_upstream_but_never_answers(
    proxy: FaultProxy, demo_server: DemoServer, client: httpx.Client
) -> None:
    before = demo_server.request_count
    proxy.add(hang_after_forward())
    with pytest.raises(httpx.ReadTimeout):
        client.get(proxy.url + PRODUCTS, timeout=0.5)
    assert proxy.forwarded() == 1 and demo_server.request_count == before + 1


def test_status_and_retry_after_are_answered_without_upstream(
    proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.add(status(500, b'{"message": "boom"}', headers={"X-Trace": "t-9"}))
    proxy.add(retry_after(429, "7"))
    first, second = _get(client, proxy), _get(client, proxy)
    assert (first.status_code, first.json(), first.headers["x-trace"]) == (
        500,
        {"message": "boom"},
        "t-9",
    )
    assert first.reason_phrase == "Internal Server Error"
    assert second.status_code == 429 and second.headers["retry-after"] == "7"
    assert proxy.forwarded() == 0


@pytest.mark.parametrize(("style", "title"), [("nginx", "502 Bad Gateway"), ("iis", "502 - ")])
def test_html_error_page(proxy: FaultProxy, client: httpx.Client, style: str, title: str) -> None:
    proxy.add(html_error(502, style=style))
    response = _get(client, proxy)
    assert response.status_code == 502 and response.headers["content-type"].startswith("text/html")
    assert f"<title>{title}" in response.text and proxy.forwarded() == 0


@pytest.mark.parametrize("forward", [True, False])
def test_reset_aborts_the_connection(
    proxy: FaultProxy, demo_server: DemoServer, client: httpx.Client, forward: bool
) -> None:
    before = demo_server.request_count
    proxy.add(reset(forward=forward))
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        _get(client, proxy)
    assert demo_server.request_count == before + forward
    assert proxy.forwarded() == int(forward)


def test_reset_after_some_bytes_of_the_real_answer(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.add(reset(after_bytes=300))
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        _get(client, proxy)
    assert proxy.log[0].fault == "reset" and proxy.log[0].upstream_status == 200


def test_truncate_sends_half_the_body(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.add(truncate())
    with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
        _get(client, proxy)
    assert proxy.forwarded() == 1


def test_body_replaces_the_upstream_body_keeping_its_status(
    proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.add(body(b'{"data": [{"id": 1', forward=True))
    proxy.add(body(b"<html>hi</html>", "text/html"), path="/nothing-here")
    response = _get(client, proxy)
    assert response.status_code == 200 and response.content == b'{"data": [{"id": 1'
    missing = _get(client, proxy, f"{API}/nothing-here")
    assert missing.status_code == 404 and missing.text == "<html>hi</html>"
    assert missing.headers["content-type"] == "text/html"


def test_big_body_is_the_upstream_shape_at_the_asked_size(
    proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.add(big_body(3))
    proxy.add(big_body(1, valid_json=False))
    response = _get(client, proxy)
    size = int(response.headers["content-length"])
    assert size == len(response.content) and 3 * 2**20 <= size < 3 * 2**20 + 1000
    records = response.json()["data"]
    assert len(records) > 5000 and set(records[0]) >= {"id", "sku", "name", "price"}
    broken = _get(client, proxy)
    assert len(broken.content) == int(broken.headers["content-length"])
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)


def test_big_body_without_content_length_ends_at_close(
    proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.add(big_body(2, content_length=False))
    response = _get(client, proxy)
    assert "content-length" not in response.headers
    assert 2 * 2**20 <= len(response.content) < 2 * 2**20 + 1000
    assert len(response.json()["data"]) > 5000


def test_a_client_leaving_a_big_body_early_does_not_hurt_the_proxy(
    proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.add(big_body(50))
    with client.stream("GET", proxy.url + PRODUCTS) as response:
        assert int(response.headers["content-length"]) >= 50 * 2**20
        next(response.iter_bytes())  # then hang up with most of it unsent
    assert _get(client, proxy).status_code == 200
    assert proxy.errors == []


def test_redirect_is_answered_without_upstream(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.add(redirect("http://elsewhere.invalid/x", 308))
    response = _get(client, proxy)
    assert response.status_code == 308
    assert response.headers["location"] == "http://elsewhere.invalid/x"
    assert proxy.forwarded() == 0


def test_rules_match_method_and_path_regex_for_so_many_times(
    proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.add(status(503), method="POST", times=-1)
    proxy.add(status(502), path=r"limit=5$", times=2)
    proxy.add(status(504), path=r"/health", times=-1)
    codes = [_get(client, proxy).status_code for _ in range(3)]
    assert codes == [502, 502, 200]
    assert [_get(client, proxy, "/health").status_code for _ in range(2)] == [504, 504]
    assert client.post(proxy.url + "/health").status_code == 503
    proxy.clear()
    assert _get(client, proxy, "/health").status_code == 200
    assert proxy.forwarded() == 2
    assert proxy.forwarded("GET", r"/health") == 1 and proxy.forwarded("POST") == 0
    assert [h.fault for h in proxy.log] == ["status"] * 2 + ["pass"] + ["status"] * 3 + ["pass"]


def test_chunked_request_bodies_are_refused(proxy: FaultProxy, client: httpx.Client) -> None:
    response = client.post(proxy.url + API + "/products", content=iter([b"{}"]))
    assert response.status_code == 501 and "chunked" in response.text
    assert proxy.log == []


def test_tls_proxy_refuses_default_trust_and_works_when_trusted(
    fault_proxy: MakeProxy, demo_server: DemoServer, untrusted_cert: tuple[Path, Path]
) -> None:
    proxy = fault_proxy(demo_server.url, tls=untrusted_cert)
    assert proxy.url.startswith("https://127.0.0.1:")
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(proxy.url + PRODUCTS, timeout=5)
    assert proxy.log == [] and proxy.forwarded() == 0
    trusted = httpx.get(proxy.url + PRODUCTS, timeout=5, verify=pinned_context(untrusted_cert[0]))
    assert trusted.status_code == 200 and len(trusted.json()["data"]) == 5
    assert proxy.errors == []


def test_stop_closes_the_listener_open_connections_and_the_thread(
    demo_server: DemoServer,
) -> None:
    before = {t.name for t in threading.enumerate()}
    proxy = FaultProxy(demo_server.url).start()
    port = int(proxy.url.rsplit(":", 1)[1])
    proxy.add(hang(), times=-1)
    waiting = socket.create_connection(("127.0.0.1", port), timeout=5)
    waiting.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    deadline = time.monotonic() + 5
    while not proxy.log and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proxy.log and proxy.log[0].fault == "hang"
    proxy.stop()
    assert _closed_by_peer(waiting)  # the hanging connection was closed, not left open
    assert {t.name for t in threading.enumerate()} - before == set()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def _closed_by_peer(sock: socket.socket) -> bool:
    try:
        with sock:
            return sock.recv(10) == b""
    except ConnectionResetError:
        return True


def test_upstream_must_be_an_origin(demo_server: DemoServer) -> None:
    with pytest.raises(ValueError, match="origin"):
        FaultProxy(demo_server.url + API)
