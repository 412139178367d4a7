"""HTTP/1.1 on asyncio, over `Received`: the transport under an integration's clients.

httpx's own transport (httpcore over anyio and h11) reads a body in many small
pieces, each through several layers: 100 pages of 200 KB on loopback, decoded, take
0.22 s through it and 0.15 s through this one, which reads a body whole.  It carries
what the clients use: keep-alive, Content-Length, chunked and read-to-close bodies,
TLS with the client's SSL context, httpx's timeouts and httpx's exceptions (their
causes kept, so TLS and socket errors can be told apart).  Proxies and HTTP/2 keep
httpx's own transport.
"""

from __future__ import annotations

import asyncio
import select
import ssl
from collections.abc import Callable
from typing import Any

import httpx

from tui.rest.http11 import Framing, Head, chunk_size, framing, parse_head, request_head, reusable
from tui.rest.received import Received

_HEAD = 1024 * 1024  # the longest response head (or chunk line) read
_PIECE = 1024 * 1024  # body pieces handed to httpx
Origin = tuple[str, str, int]


class StreamTransport(httpx.AsyncBaseTransport):
    """Connections kept per origin, at most `max_idle` idle ones each, newest used first."""

    def __init__(self, ssl_context: ssl.SSLContext | None, max_idle: int) -> None:
        self._ssl = ssl_context
        self._max_idle = max_idle
        self._idle: dict[Origin, list[_Conn]] = {}
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        origin = _origin(request.url)
        conn = self._reused(origin) or await _connect(origin, self._ssl, timeouts.get("connect"))
        try:
            await conn.send(request, timeouts.get("write"))
            head = await conn.read_head(timeouts.get("read"))
            how, length = framing(request.method, head)
        except BaseException:
            conn.abort()
            raise
        keep = reusable(request, head, how)
        body = _Body(conn, how, length, timeouts.get("read"), self._release if keep else None)
        return httpx.Response(
            head.status,
            headers=head.headers,
            stream=body,
            extensions={"http_version": head.version, "reason_phrase": head.reason},
        )

    def _reused(self, origin: Origin) -> _Conn | None:
        idle = self._idle.get(origin, [])
        while idle:
            conn = idle.pop()
            if conn.usable():
                return conn
            conn.abort()  # the server closed it while it sat idle
        return None

    def _release(self, conn: _Conn) -> None:
        idle = self._idle.setdefault(conn.origin, [])
        if self._closed or len(idle) >= self._max_idle:
            conn.close()
        else:
            idle.append(conn)

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
        await asyncio.sleep(0)  # the transports' close callbacks run: no socket left open


def _origin(url: httpx.URL) -> Origin:
    if url.scheme not in ("http", "https"):
        raise httpx.UnsupportedProtocol(f"URL scheme {url.scheme!r} is not http or https")
    return url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80)


async def _connect(origin: Origin, context: ssl.SSLContext | None, timeout: float | None) -> _Conn:
    scheme, host, port = origin
    if scheme == "https" and context is None:
        raise httpx.UnsupportedProtocol("https needs the client's SSL context")
    tls = context if scheme == "https" else None
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            transport, received = await loop.create_connection(
                Received, host, port, ssl=tls, server_hostname=host if tls else None
            )
    except TimeoutError:
        raise httpx.ConnectTimeout(f"no connection to {host}:{port} in {timeout:g} s") from None
    except OSError as exc:
        raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
    return _Conn(origin, transport, received)


class _Conn:
    """One TCP (or TLS) connection, carrying one request at a time."""

    def __init__(self, origin: Origin, transport: asyncio.Transport, received: Received) -> None:
        self.origin = origin
        self.transport = transport
        self.received = received

    def usable(self) -> bool:
        if self.received.eof or self.received.unread or self.transport.is_closing():
            return False
        # The server may have closed it while the loop was not running (a command line
        # between pages): an idle connection with anything to read cannot carry a request.
        sock = self.transport.get_extra_info("socket")
        return sock is None or not select.select([sock], [], [], 0)[0]

    def abort(self) -> None:
        self.transport.abort()

    def close(self) -> None:
        """A clean close (FIN, not reset) of an idle connection."""
        self.transport.close()

    async def send(self, request: httpx.Request, timeout: float | None) -> None:
        body = await request.aread()
        head = request_head(request)
        if request.headers.get("transfer-encoding", "").lower() == "chunked":
            body = (b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)) if body else b"0\r\n\r\n"
        try:
            self.transport.write(head + body)
            if self.received.must_drain:  # the usual request has left at once
                async with asyncio.timeout(timeout):
                    await self.received.drain()
        except TimeoutError:
            raise httpx.WriteTimeout("timed out sending the request") from None
        except OSError as exc:
            raise httpx.WriteError(str(exc) or type(exc).__name__) from exc

    async def read_head(self, timeout: float | None) -> Head:
        while True:
            raw = await self._read(self.received.readuntil(b"\r\n\r\n", _HEAD), timeout, "head")
            head = parse_head(raw)
            if not head.interim:  # 100 Continue, 103 Early Hints: the answer comes next
                return head

    async def _read(self, pending: Any, timeout: float | None, part: str) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                data: bytes = await pending
                return data
        except TimeoutError:
            raise httpx.ReadTimeout(f"timed out reading the response {part}") from None
        except asyncio.IncompleteReadError as exc:
            if part == "head" and not exc.partial:
                raise httpx.RemoteProtocolError(
                    "the server closed the connection without sending a response"
                ) from None
            raise httpx.RemoteProtocolError(
                f"the server closed the connection in the middle of the response {part}"
            ) from None
        except asyncio.LimitOverrunError:
            raise httpx.RemoteProtocolError(f"response {part} line over 1 MB") from None
        except OSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc

    async def piece(self, timeout: float | None) -> bytes:
        """Up to 1 MB of a body read to the end of the stream, as soon as any has come."""
        return await self._read(self.received.some(_PIECE), timeout, "body")

    async def upto(self, size: int, timeout: float | None) -> bytes:
        """`size` bytes of the body in one piece, fewer only if the connection ended first."""
        return await self._read(self.received.upto(size), timeout, "body")

    async def line(self, timeout: float | None) -> bytes:
        return await self._read(self.received.readuntil(b"\r\n", _HEAD), timeout, "body")


class _Body(httpx.AsyncByteStream):
    """The response body as it comes off the connection; the connection goes back to the
    pool (`release`) only once the whole body was read."""

    def __init__(
        self,
        conn: _Conn,
        how: Framing,
        length: int,
        timeout: float | None,
        release: Callable[[_Conn], None] | None,
    ) -> None:
        self._conn = conn
        self._how = how
        self._left = length  # bytes of the body (or of the current chunk) still to come
        self._timeout = timeout
        self._release = release
        self._done = how == "none"
        self._closed = False

    def __aiter__(self) -> _Body:
        return self

    async def __anext__(self) -> bytes:
        while not self._done:
            data = await self._next()
            if data:
                return data
        await self.aclose()
        raise StopAsyncIteration

    async def _next(self) -> bytes:
        if self._how == "chunked":
            return await self._chunked()
        if self._how == "close":
            data = await self._conn.piece(self._timeout)
            self._done = not data
            return data
        # a body of known length comes whole (up to 1 MB a piece): one copy, not one per
        # packet that arrived and another to join them
        wanted = min(self._left, _PIECE)
        data = await self._conn.upto(wanted, self._timeout)
        self._left -= len(data)
        if len(data) < wanted:
            raise httpx.RemoteProtocolError(
                f"the server closed the connection with {self._left:,} bytes of the body to come"
            )
        self._done = self._left == 0
        return data

    async def _chunked(self) -> bytes:
        if self._left == 0:
            size = chunk_size(await self._conn.line(self._timeout))
            if size == 0:
                while (await self._conn.line(self._timeout)) != b"\r\n":
                    pass  # trailer fields: nothing here reads them
                self._done = True
                return b""
            self._left = size
        wanted = min(self._left, _PIECE)
        data = await self._conn.upto(wanted, self._timeout)
        if len(data) < wanted:
            raise httpx.RemoteProtocolError("the server closed the connection inside a chunk")
        self._left -= len(data)
        if self._left == 0 and await self._conn.upto(2, self._timeout) != b"\r\n":
            raise httpx.RemoteProtocolError("a chunk did not end with CRLF")
        return data

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._done and self._release is not None:
            self._release(self._conn)
        else:
            self._conn.abort()  # part of the body is still on the wire
