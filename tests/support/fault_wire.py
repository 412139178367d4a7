"""The fault proxy's side of the wire: reading a request, writing an answer (whole,
streamed, cut off or reset), closing connections."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import struct
from dataclasses import dataclass, field
from typing import Any

from tests.support.faults import MB, Fault, phrase

CHUNK = 256 * 1024
MAX_HEAD = 64 * 1024
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Errors of a peer that went away or a TLS handshake that failed: part of the game here.
PEER_GONE = (ConnectionError, OSError, ssl.SSLError, asyncio.IncompleteReadError, EOFError)


@dataclass
class Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Answer:
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def head(self, length: int | None = None, *, announce: bool = True) -> bytes:
        """Status line and headers, with Content-Length (unless not `announce`d) and
        Connection: close."""
        size = len(self.body) if length is None else length
        lines = [f"HTTP/1.1 {self.status} {self.reason}"]
        lines += [f"{k}: {v}" for k, v in self.headers]
        lines += [f"Content-Length: {size}"] if announce else []
        lines += ["Connection: close"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class BadRequest(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise
    except asyncio.LimitOverrunError:
        raise BadRequest(431, "request head too large") from None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(400, f"not an HTTP/1.x request line: {lines[0][:80]!r}")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise BadRequest(400, f"malformed header line: {line[:80]!r}")
        headers.append((name.strip(), value.strip()))
    found = {k.lower(): v for k, v in headers}
    if "chunked" in found.get("transfer-encoding", "").lower():
        raise BadRequest(501, "chunked request bodies are not supported by the fault proxy")
    try:
        length = int(found.get("content-length", "0") or "0")
    except ValueError:
        raise BadRequest(400, "Content-Length is not a number") from None
    data = await reader.readexactly(length) if length > 0 else b""
    return Request(parts[0].upper(), parts[1], headers, data)


def text_answer(code: int, text: str) -> Answer:
    return Answer(code, phrase(code), [("Content-Type", "text/plain")], text.encode())


def canned(fault: Fault, answer: Answer | None) -> Answer:
    """The answer of a fault that replaces the upstream's (or stands in for it)."""
    code = fault.status or (answer.status if answer else 200)
    reason = answer.reason if answer and fault.status is None else phrase(code)
    headers = [(k, v) for k, v in fault.headers]
    if (
        fault.kind == "body" and answer is not None
    ):  # the body spoilt, the rest (Location, ETag) kept
        skip = {"content-type", "content-length", "content-encoding", "transfer-encoding"}
        headers += [(k, v) for k, v in answer.headers if k.lower() not in skip]
    data = fault.body or b""
    if data or fault.kind in ("status", "body"):
        headers.insert(0, ("Content-Type", fault.content_type))
    return Answer(code, reason, headers, data)


async def send(writer: asyncio.StreamWriter, answer: Answer) -> None:
    writer.write(answer.head() + answer.body)
    await writer.drain()


async def send_big(writer: asyncio.StreamWriter, answer: Answer | None, fault: Fault) -> None:
    """Stream `fault.megabytes` of records shaped like the upstream's, never all in memory."""
    record, prefix, suffix = _big_shape(answer.body if answer else b"")
    target = fault.megabytes * MB
    count = max(1, -(-(target - len(prefix) - len(suffix)) // (len(record) + 1)))
    if not fault.valid_json:
        suffix = b',{"cut'  # the body ends in the middle of a record
    length = len(prefix) + count * (len(record) + 1) - 1 + len(suffix)
    head = Answer(200, "OK", [("Content-Type", "application/json")])
    writer.write(head.head(length, announce=fault.content_length) + prefix)
    per_block = max(1, CHUNK // (len(record) + 1))
    block = (record + b",") * per_block
    left = count - 1  # records still to send with a comma after them
    while left > 0:
        step = min(left, per_block)
        writer.write(block if step == per_block else (record + b",") * step)
        left -= step
        await writer.drain()
    writer.write(record + suffix)
    await writer.drain()


def _big_shape(upstream: bytes) -> tuple[bytes, bytes, bytes]:
    """(one record, what comes before the array, what comes after) from the upstream body."""
    try:
        document = json.loads(upstream) if upstream.strip() else None
    except ValueError:
        document = None
    template: Any = {"id": 1, "name": "filler", "note": "x" * 100}
    prefix, suffix = b"[", b"]"
    if isinstance(document, list) and document and isinstance(document[0], dict):
        template = document[0]
    elif isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                template = value[0]
                prefix, suffix = b'{"' + key.encode() + b'":[', b"]}"
                break
    record = json.dumps(template, separators=(",", ":")).encode()
    return record, prefix, suffix


async def until_closed(reader: asyncio.StreamReader) -> None:
    """Wait until the client closes its side (or the proxy is stopped)."""
    while await reader.read(65536):
        pass


def send_reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST: SO_LINGER on with a zero timeout, then abort."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def abort(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.transport.abort()


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(*PEER_GONE, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), 5)
