"""The socket side: parse an HTTP/1.1 request, hand it to the service, write the answer.

Responses are written with one send (head and body together) and Nagle off:
a head and a body sent apart would wait on the client's delayed ACK.
"""

from __future__ import annotations

import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from tui.demo.body import BodyError, read_body
from tui.demo.errors import ApiError
from tui.demo.wire import Request, Response, error_response

if TYPE_CHECKING:
    import sqlite3

    from tui.demo.server import DemoHTTPServer

PHRASES = {status.value: status.phrase for status in HTTPStatus}
# RFC 9110: these never carry a body, nor a Content-Length.
NO_BODY = {204, 304}
_date_cache: tuple[int, str] = (0, "")


def http_date() -> str:
    """The Date header value, formatted at most once a second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


class DemoRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "writeback-demo"
    disable_nagle_algorithm = True
    timeout = 300  # seconds an idle keep-alive connection is kept open
    server: DemoHTTPServer

    def setup(self) -> None:
        super().setup()
        self._db: sqlite3.Connection | None = None
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self._db is not None:
                self.server.pool.release(self._db)
                self._db = None
            self.server.untrack(self.connection)

    def handle_request(self) -> None:
        try:
            body = read_body(self.rfile, self.headers)
        except BodyError as error:
            self.close_connection = True
            self._write(error_response(ApiError(error.status, error.detail)))
            return
        if self._db is None:
            self._db = self.server.pool.acquire()
        target = urlsplit(self.path)
        query: dict[str, str] = {}
        for name, value in parse_qsl(target.query, keep_blank_values=True):
            query.setdefault(name, value)
        host = self.headers.get("Host") or self.server.authority
        request = Request(
            self.command, target.path or "/", query, self.headers, body, f"http://{host}", self._db
        )
        self._write(self.server.service.handle(request))

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_request

    def _write(self, response: Response) -> None:
        status, body = response.status, response.body
        lines = [
            f"HTTP/1.1 {status} {PHRASES.get(status, '')}",
            f"Server: {self.server_version}",
            f"Date: {http_date()}",
        ]
        lines += [f"{name}: {value}" for name, value in response.headers]
        if status in NO_BODY:
            body = b""
        else:
            lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        elif self.request_version == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(head if self.command == "HEAD" else head + body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Requests http.server refuses before parsing (bad request line, 501) get JSON too."""
        self.close_connection = True
        self._write(error_response(ApiError(code, message or PHRASES.get(code, "error"))))

    def log_message(self, format: str, *args: object) -> None:
        # One stderr line per request would cost time and tear the app's screen.
        pass
