"""Helpers for the REST engine tests; the self-check is tests/support/test_scripted_server.py.

`ScriptedServer`: a stdlib HTTP server on 127.0.0.1 that answers from a
function and records every request it got (path and headers), so a test can
prove what did, and did not, reach a host.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tui.config import parse_config
from tui.config.model import Config


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list: JSON; str/bytes: as is
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # a client that stopped listening (a page asked for ahead, then called off)
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class ScriptedServer:
    def __init__(self, answer: Callable[[Seen], Reply]) -> None:
        self.answer = answer
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                seen = Seen(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}
                )
                server.seen.append(seen)
                reply = server.answer(seen)
                body = reply.body
                if isinstance(body, dict | list):
                    body = json.dumps(body).encode()
                    reply.headers.setdefault("Content-Type", "application/json")
                elif isinstance(body, str):
                    body = body.encode()
                body = body or b""
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = _handle  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def headers_seen(self) -> list[str]:
        """Every header line any request brought, lower-cased, for leak checks."""
        return [f"{k}: {v}".lower() for s in self.seen for k, v in s.headers.items()]


@pytest.fixture
def scripted() -> Iterator[Callable[[Callable[[Seen], Reply]], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def make(answer: Callable[[Seen], Reply]) -> ScriptedServer:
        server = ScriptedServer(answer).__enter__()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.__exit__()


def config(text: str) -> Config:
    """A validated configuration from TOML text, as users write it."""
    return parse_config(text)
