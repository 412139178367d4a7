"""DemoServer: the demo REST API on a local port, backed by one SQLite file.

From the socket inwards: the HTTP/1.1 request handler, the service that guards
each request (rate limit, injected faults, bearer token, Idempotency-Key), and
the route table that hands it to a resource.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import logging
import math
import re
import socket
import socketserver
import sqlite3
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, unquote, urlsplit

from tui.demo import products, webintegrations
from tui.demo.store import ConnectionPool, connect, create_schema
from tui.demo.wire import (
    ApiError,
    BodyError,
    Request,
    Response,
    empty,
    error_response,
    json_response,
    read_body,
)

log = logging.getLogger("tui.demo")
# The demo runs inside the terminal app; stray log lines would tear its screen.
log.addHandler(logging.NullHandler())

# Routes

Handler = Callable[..., Response]
API = "/api/v1"


def health(req: Request) -> Response:
    return json_response(200, {"status": "ok"})


# Fixed paths come before the {id} patterns that would also match them.
ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (re.compile(r"/health"), {"GET": health}),
    (
        re.compile(rf"{API}/products"),
        {"GET": products.list_products, "POST": products.create_products},
    ),
    (re.compile(rf"{API}/products\.csv"), {"GET": products.export_csv}),
    (re.compile(rf"{API}/products\.xml"), {"GET": products.export_xml}),
    (re.compile(rf"{API}/products/actions/update"), {"POST": products.update_products}),
    (re.compile(rf"{API}/products/actions/delete"), {"POST": products.delete_products}),
    (
        re.compile(rf"{API}/products/([^/]+)"),
        {
            "GET": products.get_product,
            "PATCH": products.patch_product,
            "PUT": products.put_product,
            "DELETE": products.delete_product,
        },
    ),
    (
        re.compile(rf"{API}/web-integrations"),
        {
            "GET": webintegrations.list_web_integrations,
            "POST": webintegrations.create_web_integration,
        },
    ),
    (
        re.compile(rf"{API}/web-integrations/([^/]+)"),
        {
            "GET": webintegrations.get_web_integration,
            "PATCH": webintegrations.patch_web_integration,
            "DELETE": webintegrations.delete_web_integration,
        },
    ),
]


def resolve(path: str) -> tuple[dict[str, Handler], list[str]] | None:
    """The handlers for `path` and its decoded path parameters, or None."""
    if len(path) > 1:
        path = path.rstrip("/")
    for pattern, methods in ROUTES:
        match = pattern.fullmatch(path)
        if match:
            return methods, [unquote(group) for group in match.groups()]
    return None


def allowed(methods: dict[str, Handler]) -> str:
    """The Allow header: HEAD goes with GET, OPTIONS with everything."""
    names = set(methods) | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
    return ", ".join(sorted(names))


# Guards


class SlidingWindowLimiter:
    """At most `limit` admissions in any `window` seconds, as APIs with per-minute tiers enforce."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._admitted: deque[float] = deque()
        self._lock = threading.Lock()

    def admit(self) -> int | None:
        """None when the request may proceed, else whole seconds until it could."""
        now = self._clock()
        with self._lock:
            while self._admitted and self._admitted[0] <= now - self.window:
                self._admitted.popleft()
            if len(self._admitted) >= self.limit:
                return max(1, math.ceil(self._admitted[0] + self.window - now))
            # Refused requests are not recorded, so a client that waits as told gets in.
            self._admitted.append(now)
            return None


class IdempotencyStore:
    """Idempotency-Key for POST: a retried request gets the first answer, not a second row."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._done: OrderedDict[tuple[str, str], tuple[bytes, Response]] = OrderedDict()
        self._running: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def run(self, path: str, key: str, body: bytes, call: Callable[[], Response]) -> Response:
        """Answer from memory when (path, key) was seen, else run `call` once and remember it."""
        slot, fingerprint = (path, key), hashlib.sha256(body).digest()
        with self._lock:
            if slot in self._done:
                return self._replay(slot, fingerprint)
            if slot in self._running:
                raise ApiError(409, "a request with this Idempotency-Key is still in progress")
            self._running.add(slot)
        try:
            response = call()
        finally:
            with self._lock:
                self._running.discard(slot)
        # Server errors are not remembered: retrying them is the point of the key.
        if response.status < 500:
            self._remember(slot, fingerprint, response)
        return response

    def _replay(self, slot: tuple[str, str], fingerprint: bytes) -> Response:
        seen, response = self._done[slot]
        if seen != fingerprint:
            raise ApiError(422, "this Idempotency-Key was used with a different request body")
        headers = [*response.headers, ("Idempotent-Replayed", "true")]
        return Response(response.status, response.body, headers)

    def _remember(self, slot: tuple[str, str], fingerprint: bytes, response: Response) -> None:
        with self._lock:
            self._done[slot] = (fingerprint, response)
            while len(self._done) > self._capacity:
                self._done.popitem(last=False)


class DemoService:
    """Request -> Response: guards, routing, and errors as Qlik Cloud style bodies."""

    def __init__(
        self, *, token: str | None = None, rate_limit: int | None = None, latency: float = 0.0
    ) -> None:
        self.token = token
        self.latency = latency
        self.limiter = SlidingWindowLimiter(rate_limit) if rate_limit else None
        self.idempotency = IdempotencyStore()
        self.recent: deque[tuple[str, str, int]] = deque(maxlen=1000)
        self.request_count = 0
        self._counter = itertools.count(1)
        self._faults: deque[tuple[int, int | None]] = deque()
        self._faults_lock = threading.Lock()

    def inject_faults(self, count: int, status: int = 503, retry_after: int | None = None) -> None:
        """Answer the next `count` /api requests with `status`, changing nothing."""
        with self._faults_lock:
            self._faults.extend([(status, retry_after)] * count)

    def handle(self, req: Request) -> Response:
        if self.latency:
            time.sleep(self.latency)
        try:
            response = self._dispatch(req)
        except ApiError as error:
            response = error_response(error)
        except Exception:
            log.exception("%s %s failed", req.method, req.path)
            response = error_response(ApiError(500, "the demo server failed on this request"))
        self.request_count = next(self._counter)
        self.recent.append((req.method, req.path, response.status))
        return response

    def _dispatch(self, req: Request) -> Response:
        if req.path.startswith("/api/"):
            self._guard(req)
        resolved = resolve(req.path)
        if resolved is None:
            raise ApiError(404, f"no resource at {req.path}")
        methods, params = resolved
        method = "GET" if req.method == "HEAD" else req.method
        if method == "OPTIONS":
            return empty(204, [("Allow", allowed(methods))])
        handler = methods.get(method)
        if handler is None:
            detail = f"{req.method} is not allowed on {req.path}"
            raise ApiError(405, detail, [("Allow", allowed(methods))])
        key = req.headers.get("Idempotency-Key")
        if key and method == "POST":
            return self.idempotency.run(req.path, key, req.body, lambda: handler(req, *params))
        return handler(req, *params)

    def _guard(self, req: Request) -> None:
        # Rate limiting comes first so that guessing tokens is limited too.
        if self.limiter is not None and (wait := self.limiter.admit()) is not None:
            detail = f"more than {self.limiter.limit} requests per minute; retry in {wait} s"
            raise ApiError(429, detail, [("Retry-After", str(wait))])
        with self._faults_lock:
            fault = self._faults.popleft() if self._faults else None
        if fault is not None:
            status, retry_after = fault
            headers = [] if retry_after is None else [("Retry-After", str(retry_after))]
            raise ApiError(status, "injected failure", headers)
        if self.token is not None and not self._authorized(req):
            raise ApiError(
                401,
                "a valid bearer token is required",
                [("WWW-Authenticate", 'Bearer realm="writeback-demo"')],
            )

    def _authorized(self, req: Request) -> bool:
        scheme, _, credential = (req.headers.get("Authorization") or "").partition(" ")
        expected = (self.token or "").encode()
        return scheme.lower() == "bearer" and hmac.compare_digest(
            credential.strip().encode(), expected
        )


# The socket side: parse an HTTP/1.1 request, hand it to the service, write the answer

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


# The server

# Wildcard listen addresses are not addresses a client can use in a URL.
LOOPBACK_FOR = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def authority(host: str, port: int) -> str:
    host = LOOPBACK_FOR.get(host, host)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class DemoHTTPServer(ThreadingHTTPServer):
    """A thread per connection; tracks open connections so stop() can end them."""

    daemon_threads = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(
        self, address: tuple[str, int], service: DemoService, pool: ConnectionPool
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.service = service
        self.pool = pool
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, DemoRequestHandler)
        self.authority = authority(address[0], self.server_address[1])

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), port

    def track(self, conn: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(conn)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up, or a stop() mid-request, is not a server fault.
        if isinstance(sys.exc_info()[1], OSError):
            return
        log.exception("connection from %s failed", client_address)


class DemoServer:
    """The demo API. Binds its port on construction (as socketserver does), so
    `url` is known at once; `start()` serves from a daemon thread."""

    def __init__(
        self,
        db_path: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        rate_limit: int | None = None,
        token: str | None = None,
        latency: float = 0.0,
    ) -> None:
        self.db_path = Path(db_path)
        conn = connect(self.db_path)
        try:
            create_schema(conn)  # an unseeded file still serves, with empty tables
        finally:
            conn.close()
        self.service = DemoService(token=token, rate_limit=rate_limit, latency=latency)
        self._pool = ConnectionPool(self.db_path)
        self._httpd = DemoHTTPServer((host, port), self.service, self._pool)
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://{self._httpd.authority}"
        self.api_url = f"{self.url}/api/v1"
        self._thread: threading.Thread | None = None
        self._serving = False
        self._closed = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DemoServer({self.url!r}, db={str(self.db_path)!r})"

    def start(self) -> DemoServer:
        if self._closed:
            raise RuntimeError("this demo server was stopped; create a new one")
        if self._thread is None and not self._serving:
            self._serving = True
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"writeback-demo-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until stop() or KeyboardInterrupt."""
        if self._serving:
            raise RuntimeError("this demo server is already serving")
        self._serving = True
        try:
            self._httpd.serve_forever(poll_interval=0.25)
        finally:
            self._close()

    def stop(self) -> None:
        if self._serving and not self._closed:
            self._httpd.shutdown()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._close()

    def _close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._httpd.server_close()
        self._httpd.close_connections()
        self._pool.close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # Test helpers.

    @property
    def request_count(self) -> int:
        """Requests answered so far (every path, every status)."""
        return self.service.request_count

    @property
    def recent_requests(self) -> Iterable[tuple[str, str, int]]:
        """(method, path, status) of the last 1000 requests, oldest first."""
        return list(self.service.recent)

    def inject_faults(self, count: int, status: int = 503, retry_after: int | None = None) -> None:
        """Answer the next `count` /api requests with `status` (and Retry-After), changing nothing."""
        self.service.inject_faults(count, status, retry_after)
