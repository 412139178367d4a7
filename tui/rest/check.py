"""Test the connection to an integration and give one verdict with its detail.

Verdicts: ok, auth failed, TLS error, unreachable, timeout, unexpected response.
A check makes one GET to the integration URL + `check_path`, without retries:
it reports what the service says now.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Final, Literal

from msgspec import Struct

from tui.config.model import Integration
from tui.rest.connection import Connection
from tui.rest.decode import detect_format
from tui.rest.errors import (
    AuthFailed,
    RestError,
    SetupError,
    TimedOut,
    TlsError,
    TransportError,
)
from tui.secrets import SecretError, SecretStore

Verdict = Literal["ok", "auth failed", "TLS error", "unreachable", "timeout", "unexpected response"]
OK: Final = "ok"
AUTH_FAILED: Final = "auth failed"
TLS_ERROR: Final = "TLS error"
UNREACHABLE: Final = "unreachable"
TIMEOUT: Final = "timeout"
UNEXPECTED: Final = "unexpected response"


class CheckResult(Struct, frozen=True):
    name: str
    verdict: Verdict
    detail: str  # one line, no secrets
    status: int | None = None

    @property
    def ok(self) -> bool:
        return self.verdict == OK


async def check_integration(integration: Integration, store: SecretStore) -> CheckResult:
    """One request to the integration; never raises for anything the service does."""
    name = integration.id
    try:
        conn = Connection(integration, store)
    except SecretError as exc:
        return CheckResult(name, AUTH_FAILED, f"credentials unavailable: {exc}")
    except SetupError as exc:
        tls = integration.auth.type == "certificate" or exc.message.startswith("ca_bundle")
        return CheckResult(name, TLS_ERROR if tls else UNEXPECTED, exc.message)
    async with conn:
        return await _check(conn)


async def _check(conn: Connection) -> CheckResult:
    name = conn.integration.id
    url = conn.url(conn.integration.check_path, conn.params)
    started = time.perf_counter()
    try:
        response = await conn.request("GET", url, retry=False)
        elapsed = round((time.perf_counter() - started) * 1000)
        conn.raise_for_status(response)
    except RestError as exc:
        detail = f"{exc.message} [{exc.request}]" if exc.request else exc.message
        return CheckResult(name, verdict_of(exc), detail, getattr(exc, "status", None))
    kind = detect_format(response.headers.get("content-type", ""), response.content)
    detail = f"{response.status_code} in {elapsed} ms ({kind})"
    return CheckResult(name, OK, detail, response.status_code)


def verdict_of(exc: RestError) -> Verdict:
    if isinstance(exc, AuthFailed):
        return AUTH_FAILED
    if isinstance(exc, TlsError):
        return TLS_ERROR
    if isinstance(exc, TimedOut):
        return TIMEOUT
    if isinstance(exc, TransportError):
        return UNREACHABLE
    return UNEXPECTED  # a status that is no success, a refused redirect, a bad body


async def check_all(integrations: Iterable[Integration], store: SecretStore) -> list[CheckResult]:
    """All checks at once; results in the order given."""
    return list(await asyncio.gather(*(check_integration(i, store) for i in integrations)))
