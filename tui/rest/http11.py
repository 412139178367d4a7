"""HTTP/1.1 message heads on the wire: the request head we send, the response head we
read, and how the response body is framed (RFC 9112)."""

from __future__ import annotations

from typing import Literal

import httpx
from msgspec import Struct

Framing = Literal["none", "length", "chunked", "close"]
_NO_BODY = frozenset({204, 304})
_FORBIDDEN = (b"\r", b"\n", b"\0")


class Head(Struct, frozen=True):
    """A response's status line and headers, and what they say about the body."""

    version: bytes  # b"HTTP/1.1"
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]

    def values(self, name: bytes) -> list[bytes]:
        return [v for k, v in self.headers if k.lower() == name]

    def tokens(self, name: bytes) -> set[bytes]:
        """The comma-separated tokens of every `name` header, lower case."""
        return {t.strip().lower() for v in self.values(name) for t in v.split(b",")}

    @property
    def interim(self) -> bool:
        """1xx other than 101: another head follows on the same connection."""
        return 100 <= self.status < 200 and self.status != 101


def request_head(request: httpx.Request) -> bytes:
    """The request line and headers; LocalProtocolError for a value that would split them."""
    target = request.url.raw_path or b"/"
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), target)]
    for name, value in request.headers.raw:
        if any(c in name or c in value for c in _FORBIDDEN) or b":" in name:
            # a newline in a header would let a value add headers of its own
            raise httpx.LocalProtocolError(f"header {name.decode('latin-1')!r}: illegal character")
        lines.append(b"%s: %s" % (name, value))
    return b"\r\n".join(lines) + b"\r\n\r\n"


def parse_head(raw: bytes) -> Head:
    """A response head (up to and including the blank line); RemoteProtocolError if it
    is not HTTP/1.x."""
    lines = raw.rstrip(b"\r\n").split(b"\n")
    version, _, rest = lines[0].rstrip(b"\r").partition(b" ")
    code, _, reason = rest.partition(b" ")
    if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
        shown = lines[0][:60].decode("latin-1")
        raise httpx.RemoteProtocolError(f"not an HTTP/1.x response: {shown!r}")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        name, colon, value = line.rstrip(b"\r").partition(b":")
        if not colon or not name or name != name.strip():
            shown = line[:60].decode("latin-1")
            raise httpx.RemoteProtocolError(f"malformed response header line: {shown!r}")
        headers.append((name, value.strip(b" \t")))
    return Head(version, int(code), reason.strip(), headers)


def framing(method: str, head: Head) -> tuple[Framing, int]:
    """How the body ends: not at all, after N bytes, at the last chunk, or at close."""
    if method == "HEAD" or head.status in _NO_BODY or 100 <= head.status < 200:
        return "none", 0
    if head.values(b"transfer-encoding"):
        codings = [
            t.strip().lower() for v in head.values(b"transfer-encoding") for t in v.split(b",")
        ]
        return ("chunked", 0) if codings[-1] == b"chunked" else ("close", 0)
    lengths = {v.strip() for v in head.values(b"content-length") for v in v.split(b",")}
    if not lengths:
        return "close", 0
    if len(lengths) > 1 or not all(n.isdigit() and len(n) <= 18 for n in lengths):
        raise httpx.RemoteProtocolError(f"bad Content-Length: {sorted(lengths)!r}")
    length = int(lengths.pop())
    return ("length", length) if length else ("none", 0)


def reusable(request: httpx.Request, head: Head, how: Framing) -> bool:
    """Whether the connection may carry another request once this body is read."""
    if how == "close" or head.version != b"HTTP/1.1" or head.status == 101:
        return False
    asked = {t.strip().lower() for t in request.headers.get("connection", "").split(",")}
    return "close" not in asked and b"close" not in head.tokens(b"connection")


def chunk_size(line: bytes) -> int:
    """The size on a chunk's first line (extensions after `;` ignored)."""
    text = line.split(b";", 1)[0].strip()
    if not text or len(text) > 16 or any(c not in b"0123456789abcdefABCDEF" for c in text):
        raise httpx.RemoteProtocolError(f"bad chunk size line: {line[:40]!r}")
    return int(text, 16)
