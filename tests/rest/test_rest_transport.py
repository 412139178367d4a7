"""The HTTP/1.1 transport against a raw socket server on loopback that answers each
request with bytes the test wrote: chunked and read-to-close bodies, interim 1xx
heads, keep-alive and its limits, broken framing, timeouts and header injection.

The server is real (a listening socket, one thread per connection); it records
how many connections it accepted, so reuse is proven by count, not assumed.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.srv_tls import make_untrusted_server_cert, pinned_context
from tui.config.model import Integration
from tui.rest.client import Clients
from tui.rest.http11 import chunk_size, framing, parse_head
from tui.rest.received import Received
from tui.rest.transport import StreamTransport
from tui.secrets import SecretStore

Answer = Callable[[bytes], bytes | None]  # request head -> bytes to send (None: hang up)


class RawServer:
    """Answers every request on a connection with `answer(request head)`; an HTTP/1.0
    reply, one that says `Connection: close`, or None ends the connection."""

    def __init__(
        self,
        answer: Answer,
        hang_up: Callable[[bytes], bool] | None = None,
        tls: ssl.SSLContext | None = None,
        tls_notify: bool = True,  # end TLS with close_notify, as well-behaved servers do
    ) -> None:
        self.answer = answer
        self._tls_notify = tls_notify
        self.hang_up = hang_up or (lambda head: False)  # close silently after this answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.bodies: list[bytes] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._tls = tls
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        if self._tls is not None:
            try:
                conn = self._tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                return
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    try:
                        data = conn.recv(65536)
                    except ConnectionError:
                        return
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = _content_length(head)
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                self.bodies.append(buffer[:length])
                buffer = buffer[length:]
                self.requests.append(head)
                reply = self.answer(head)
                if reply is None:
                    return
                try:
                    conn.sendall(reply)
                except ConnectionError:
                    return  # the client stopped reading and hung up
                if b"connection: close" in reply.lower() or reply.startswith(b"HTTP/1.0"):
                    if isinstance(conn, ssl.SSLSocket) and self._tls_notify:
                        conn.unwrap()
                    return
                if self.hang_up(head):
                    time.sleep(0.1)  # after the client has taken the answer
                    return

    def close(self) -> None:
        self._sock.close()


def _content_length(head: bytes) -> int:
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


@pytest.fixture
def serve() -> Iterator[Callable[[Answer], RawServer]]:
    servers: list[RawServer] = []

    def start(answer: Answer, hang_up: Callable[[bytes], bool] | None = None) -> RawServer:
        servers.append(RawServer(answer, hang_up))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _fetch(url: str, *paths: str, method: str = "GET", **kwargs: object) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = StreamTransport(None, max_idle=2)
        async with httpx.AsyncClient(transport=transport, timeout=kwargs.pop("timeout", 5)) as c:
            return [await c.request(method, url + p, **kwargs) for p in paths]  # type: ignore[arg-type]

    return asyncio.run(run())


def _chunked(body: bytes, size: int) -> bytes:
    """A 200 answer carrying `body` in chunks of `size` bytes."""
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces)
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"


def _ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def test_keep_alive_carries_every_request_on_one_connection(serve: Callable) -> None:
    server = serve(lambda head: _ok(b'{"n": %d}' % len(head)))
    responses = _fetch(server.url, "/a", "/b", "/c")
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[0].json()["n"] > 0
    assert server.connections == 1 and len(server.requests) == 3


def test_connection_close_from_the_server_opens_a_new_connection(serve: Callable) -> None:
    server = serve(lambda head: _ok(b"x", b"Connection: close\r\n"))
    responses = _fetch(server.url, "/a", "/b")
    assert [r.text for r in responses] == ["x", "x"]
    assert server.connections == 2


def test_a_chunked_body_with_extensions_and_trailers_is_joined(serve: Callable) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    server = serve(lambda head: chunked)
    responses = _fetch(server.url, "/a", "/b")
    assert [r.text for r in responses] == ["hello world", "hello world"]
    assert server.connections == 1  # the whole chunked body was read: reused


def test_a_body_without_length_is_read_to_close(serve: Callable) -> None:
    server = serve(lambda head: b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it")
    (response,) = _fetch(server.url, "/")
    assert response.text == "all of it" and response.http_version == "HTTP/1.0"


def test_interim_heads_are_skipped(serve: Callable) -> None:
    server = serve(
        lambda head: (
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
            + _ok(b"final")
        )
    )
    (response,) = _fetch(server.url, "/")
    assert response.status_code == 200 and response.text == "final"


def test_head_and_204_have_no_body_and_keep_the_connection(serve: Callable) -> None:
    def answer(head: bytes) -> bytes:
        if head.startswith(b"HEAD"):
            return b"HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n"
        return b"HTTP/1.1 204 No Content\r\n\r\n"

    server = serve(answer)
    head = _fetch(server.url, "/", method="HEAD")[0]
    assert head.headers["content-length"] == "999" and head.content == b""
    assert _fetch(server.url, "/", method="DELETE")[0].status_code == 204


def test_conflicting_content_lengths_are_a_protocol_error(serve: Callable) -> None:
    server = serve(
        lambda head: b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"
    )
    with pytest.raises(httpx.RemoteProtocolError, match="bad Content-Length"):
        _fetch(server.url, "/")


def test_a_body_cut_short_is_a_protocol_error(serve: Callable) -> None:
    server = serve(
        lambda head: b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nshort"
    )
    with pytest.raises(httpx.RemoteProtocolError, match="95 bytes of the body to come"):
        _fetch(server.url, "/")


def test_a_hang_up_before_any_answer_is_said_as_such(serve: Callable) -> None:
    server = serve(lambda head: None)
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        _fetch(server.url, "/")


def test_garbage_instead_of_a_status_line_is_a_protocol_error(serve: Callable) -> None:
    server = serve(lambda head: b"SSH-2.0-OpenSSH\r\n\r\n")
    with pytest.raises(httpx.RemoteProtocolError, match="not an HTTP/1.x response"):
        _fetch(server.url, "/")


def test_a_silent_server_is_a_read_timeout(serve: Callable) -> None:
    gate = threading.Event()

    def answer(head: bytes) -> bytes:
        gate.wait(5)
        return _ok(b"late")

    server = serve(answer)
    try:
        with pytest.raises(httpx.ReadTimeout):
            _fetch(server.url, "/", timeout=0.3)
    finally:
        gate.set()


def test_a_closed_port_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(httpx.ConnectError):
        _fetch(f"http://127.0.0.1:{port}", "/")


def test_a_header_value_with_a_newline_never_leaves(serve: Callable) -> None:
    server = serve(lambda head: _ok(b""))
    with pytest.raises(httpx.LocalProtocolError):
        _fetch(server.url, "/", headers={"X-Note": "a\r\nX-Injected: 1"})
    assert server.requests == []


def test_a_body_left_unread_is_not_put_back_in_the_pool(serve: Callable) -> None:
    server = serve(lambda head: _ok(b"x" * 3_000_000))

    async def run() -> None:
        async with httpx.AsyncClient(transport=StreamTransport(None, max_idle=2)) as client:
            async with client.stream("GET", server.url + "/big") as response:
                await response.aiter_raw().__anext__()  # one piece, then stop reading
            assert (await client.get(server.url + "/again")).content == b"x" * 3_000_000

    asyncio.run(run())
    assert server.connections == 2


def test_big_and_small_bodies_in_turn_arrive_whole_on_one_connection(serve: Callable) -> None:
    big = os.urandom(5_000_000)  # many times the buffer the connection starts with
    replies = {b"/length": _ok(big), b"/small": _ok(b"tiny"), b"/chunked": _chunked(big, 700_000)}
    server = serve(lambda head: replies[head.split(b" ")[1]])
    paths = ["/length", "/small", "/chunked", "/small", "/length"]
    got = [r.content for r in _fetch(server.url, *paths)]
    assert got == [big, b"tiny", big, b"tiny", big]
    assert server.connections == 1


@pytest.mark.slow
def test_big_bodies_over_tls_arrive_whole_on_one_connection(tmp_path: Path) -> None:
    cert, key = make_untrusted_server_cert(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    big = os.urandom(3_000_000)
    replies = {b"/length": _ok(big), b"/chunked": _chunked(big, 500_000)}
    server = RawServer(lambda head: replies[head.split(b" ")[1]], tls=tls)
    try:

        async def run() -> list[bytes]:
            transport = StreamTransport(pinned_context(cert), max_idle=2)
            async with httpx.AsyncClient(transport=transport) as client:
                paths = ["/length", "/chunked", "/length"]
                return [(await client.get(server.url + p)).content for p in paths]

        assert asyncio.run(run()) == [big, big, big]
        assert server.connections == 1
    finally:
        server.close()


@pytest.mark.parametrize("notify", [True, False], ids=["close_notify", "no_close_notify"])
@pytest.mark.parametrize("size", [300_000, 1_222_000])
def test_a_body_read_to_close_over_tls_arrives_whole_when_read_late(
    tmp_path: Path, notify: bool, size: int
) -> None:
    cert, key = make_untrusted_server_cert(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    big = os.urandom(size)
    server = RawServer(lambda head: b"HTTP/1.0 200 OK\r\n\r\n" + big, tls=tls, tls_notify=notify)

    async def run() -> bytes:
        transport = StreamTransport(pinned_context(cert), max_idle=2)
        async with (
            httpx.AsyncClient(transport=transport) as client,
            client.stream("GET", server.url + "/") as response,
        ):
            await asyncio.sleep(0.5)  # busy elsewhere: the body and the close arrive meanwhile
            return await response.aread()

    try:
        assert asyncio.run(run()) == big
    finally:
        server.close()


def test_a_body_read_to_close_arrives_whole_however_big(serve: Callable) -> None:
    big = os.urandom(3_000_000)
    server = serve(lambda head: b"HTTP/1.0 200 OK\r\n\r\n" + big)
    (response,) = _fetch(server.url, "/")
    assert response.content == big


def test_a_head_over_1_mb_is_refused(serve: Callable) -> None:
    server = serve(lambda head: b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 1_100_000 + b"\r\n\r\n")
    with pytest.raises(httpx.RemoteProtocolError, match="over 1 MB"):
        _fetch(server.url, "/")


def test_a_body_nobody_reads_stops_being_received(serve: Callable) -> None:
    server = serve(lambda head: _ok(b"x" * 40_000_000))

    async def run() -> int:
        transport = StreamTransport(None, max_idle=2)
        async with (
            httpx.AsyncClient(transport=transport) as client,
            client.stream("GET", server.url + "/huge") as response,
        ):
            await response.aiter_raw().__anext__()
            await asyncio.sleep(0.3)  # the server goes on sending meanwhile
            body = response.stream._stream  # type: ignore[attr-defined]  # ours, inside httpx's
            return int(body._conn.received.unread)

    held = asyncio.run(run())
    assert 0 < held <= 8 * 1024 * 1024  # paused at 4 MB unread, not 40 MB


def test_a_posted_body_arrives_whole(serve: Callable) -> None:
    server = serve(lambda head: _ok(b"ok"))
    payload = {"id": 1, "note": "é" * 70_000}
    responses = _fetch(server.url, "/rows", "/rows", method="POST", json=payload)
    assert [r.text for r in responses] == ["ok", "ok"]
    assert server.requests[0].startswith(b"POST /rows HTTP/1.1")
    assert [httpx.Response(200, content=b).json() for b in server.bodies] == [payload, payload]
    assert server.connections == 1


def test_framing_and_chunk_lines_are_parsed_strictly() -> None:
    head = parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
    assert framing("GET", head) == ("chunked", 0)
    assert framing("GET", parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n")) == (
        "length",
        12,
    )
    assert chunk_size(b"1aF;x=y\r\n") == 0x1AF
    with pytest.raises(httpx.RemoteProtocolError):
        chunk_size(b"-1\r\n")
    with pytest.raises(httpx.RemoteProtocolError):
        parse_head(b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n")


def _transport_of(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], **fields: object) -> object:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    integration = Integration(id="i", url="http://127.0.0.1:9", **fields)  # type: ignore[arg-type]
    clients = Clients(integration, SecretStore())
    return clients.get(trusted=True, secure=False)._transport


def test_plain_http_1_1_uses_the_stream_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(_transport_of(monkeypatch, {}), StreamTransport)
    # no_proxy alone names no proxy: still ours
    assert isinstance(_transport_of(monkeypatch, {"NO_PROXY": "example.com"}), StreamTransport)


@pytest.mark.parametrize(
    ("env", "fields"),
    [
        ({}, {"proxy": "http://127.0.0.1:3128"}),
        ({"HTTPS_PROXY": "http://127.0.0.1:3128"}, {}),
        ({}, {"http2": True}),
    ],
    ids=["proxy", "env-proxy", "http2"],
)
def test_proxies_and_http2_keep_httpx_transport(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], fields: dict[str, object]
) -> None:
    if fields.get("http2"):
        pytest.importorskip("h2")
    assert not isinstance(_transport_of(monkeypatch, env, **fields), StreamTransport)


def test_proxy_variables_are_ignored_without_trust_env(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"HTTP_PROXY": "http://127.0.0.1:3128"}
    assert isinstance(_transport_of(monkeypatch, env, trust_env=False), StreamTransport)


def test_a_connection_closed_while_the_loop_slept_is_not_reused(serve: Callable) -> None:
    # the server ends the connection after answering the GET, without saying so
    server = serve(lambda head: _ok(b"ok"), hang_up=lambda head: head.startswith(b"GET"))
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=StreamTransport(None, max_idle=2))
    try:
        first = loop.run_until_complete(client.get(server.url + "/page"))
        assert first.text == "ok"
        time.sleep(0.3)  # the FIN arrives while no loop runs, as between a CLI's pages
        second = loop.run_until_complete(client.post(server.url + "/rows", content=b"{}"))
        assert second.text == "ok" and server.connections == 2
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()


def test_a_line_is_found_when_the_buffer_moves_while_it_is_awaited() -> None:
    # Bytes fed through the protocol's own callbacks, as asyncio's transport feeds them,
    # so the buffer's layout at each step is known: no socket decides the packet sizes.
    async def run() -> bytes:
        received = Received()

        def feed(data: bytes) -> None:
            received.get_buffer(-1)[: len(data)] = data
            received.buffer_updated(len(data))

        reading = asyncio.ensure_future(received.upto(200_000))
        await asyncio.sleep(0)
        feed(b"x" * 200_000)  # the buffer grows to fit exactly what is awaited
        feed(b"12")  # then 64 KB more, this beginning a line
        assert await reading == b"x" * 200_000
        line = asyncio.ensure_future(received.readuntil(b"\r\n", 1 << 20))
        await asyncio.sleep(0)
        feed(b"34\r\n")  # too little room left: the unread "12" moves to the front first
        return await asyncio.wait_for(line, 2)

    assert asyncio.run(run()) == b"1234\r\n"
