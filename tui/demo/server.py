"""DemoServer: the demo REST API on a local port, backed by one SQLite file."""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import sys
import threading
from collections.abc import Iterable
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from tui.demo.db import ConnectionPool, connect, create_schema
from tui.demo.handler import DemoRequestHandler
from tui.demo.service import DemoService

log = logging.getLogger("tui.demo")
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
        self.host = host
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
