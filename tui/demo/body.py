"""Reading a request body: Content-Length or chunked transfer coding."""

from __future__ import annotations

from email.message import Message
from typing import Protocol

MAX_BODY = 64 * 1024 * 1024
MAX_LINE = 65536


class BodyError(Exception):
    """The body cannot be read; after this the connection must be closed."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Reader(Protocol):
    """What the body reader needs of a request stream (a socket file)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def readline(self, size: int = -1, /) -> bytes: ...


def read_body(rfile: Reader, headers: Message, limit: int = MAX_BODY) -> bytes:
    # Always read the whole body, even for requests that will be refused, so
    # the next request on a keep-alive connection starts where it should.
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        return _read_chunked(rfile, limit)
    raw = headers.get("Content-Length")
    if not raw:
        return b""
    try:
        length = int(raw)
    except ValueError:
        raise BodyError(400, f"Content-Length {raw!r} is not a number") from None
    if length < 0:
        raise BodyError(400, f"Content-Length {raw!r} is negative")
    if length > limit:
        raise BodyError(413, f"the body may be at most {limit} bytes")
    return rfile.read(length)


def _read_chunked(rfile: Reader, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        line = rfile.readline(MAX_LINE)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BodyError(400, "malformed chunked body") from None
        if size == 0:
            break
        total += size
        if total > limit:
            raise BodyError(413, f"the body may be at most {limit} bytes")
        parts.append(rfile.read(size))
        rfile.readline(MAX_LINE)  # the CRLF after each chunk
    # Trailer fields, if any, end with an empty line.
    while rfile.readline(MAX_LINE) not in (b"\r\n", b"\n", b""):
        pass
    return b"".join(parts)
