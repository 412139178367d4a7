"""One open connection to an integration: every request goes through `Connection.request`.

Why async: the app runs loads in a Textual worker and the writeback engine sends
many requests at once under a concurrency bound; one `httpx.AsyncClient` per
integration serves both without a thread per request.  Command-line callers use
`tui.rest.load.load_rows` or `asyncio.run`, which drive the same code on a private
event loop.

A request here: URL checked against https_only, the process-wide rate limit,
a concurrency slot, retries with backoff (honouring Retry-After), redirects
followed by hand only to allowed places, credentials only to trusted hosts, and
transport failures mapped onto `tui.rest.errors`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncGenerator, Mapping
from typing import cast

import httpx
from msgspec.structs import replace

from tui.config.model import Integration
from tui.rest.client import Clients, Credentials, split_values
from tui.rest.errors import (
    AuthFailed,
    HttpStatusError,
    RedirectRefused,
    ResponseTooLarge,
    RestError,
    TimedOut,
    TlsError,
    TransportError,
    Unreachable,
    describe_body,
    status_text,
)
from tui.rest.limits import NOT_SENT, RetryPolicy, limiter_for
from tui.rest.trust import TrustPolicy, safe_url
from tui.rest.wire import count_of
from tui.secrets import SecretStore

MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class Connection:
    """Clients, credentials and policies of one integration, for one event loop."""

    def __init__(self, integration: Integration, store: SecretStore) -> None:
        self.integration = integration
        self.store = store
        self.trust = TrustPolicy(integration)
        self.retry = RetryPolicy.of(integration)
        self.limiter = limiter_for(integration)
        _, secret_headers = split_values(integration.headers, store, headers=True)
        _, secret_params = split_values(integration.params, store, headers=False)
        self.params, _ = split_values(integration.params, store, headers=False)
        self.credentials = Credentials(secret_headers, secret_params)
        self._clients = Clients(integration, store)
        self._slots = asyncio.Semaphore(integration.max_concurrency)

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._clients.aclose()

    # -- URLs -------------------------------------------------------------------------

    def url(self, path: str, params: Mapping[str, str] | None = None) -> httpx.URL:
        """`path` joined to the integration URL (an absolute URL stays as it is)."""
        if path.startswith(("http://", "https://")):
            url = httpx.URL(path)
        else:
            base = self.integration.url.rstrip("/")
            url = httpx.URL(base + "/" + path.lstrip("/") if path else base)
        return url.copy_merge_params(dict(params)) if params else url

    def describe(self, method: str, url: httpx.URL | str) -> str:
        """ "GET https://host/path?..." without credentials, for messages."""
        return self.store.redact(f"{method} {safe_url(url)}")

    def redact(self, text: str) -> str:
        return self.store.redact(text)

    # -- sending ----------------------------------------------------------------------

    async def request(
        self,
        method: str,
        url: httpx.URL,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        credentials: Credentials | None = None,
        retry: bool = True,
        idempotency_header: str | None = None,
    ) -> httpx.Response:
        """Send and return the (fully read) final response, after redirects and retries.

        `credentials`: secret headers/params of this request (a destination's), which
        like the integration's own go only to trusted hosts.
        `idempotency_header`: the header name (an operation's idempotency_key) whose
        value in `headers` makes this write safe to resend. It belongs to this request
        alone: requests sent at the same time on this connection keep their own."""
        asked = (method, url)  # what messages name: described only for one
        if self.trust.refuses_scheme(url):
            self.trust.check_scheme(url, self.describe(*asked))
        policy = self._policy(idempotency_header)
        turned = ""  # a write answered 301/302/303, going on as a GET: it may be done
        try:
            for _ in range(MAX_REDIRECTS + 1):
                client, request = self._build(method, url, headers, content, credentials)
                response = await self._send_retrying(client, request, retry, policy)
                location = response.headers.get("location")
                if response.status_code not in _REDIRECTS or not location:
                    return response
                if response.status_code in (301, 302, 303) and method not in ("GET", "HEAD"):
                    turned = f"the server answered the {method} with {response.status_code}"
                    method, content = "GET", None  # what browsers and httpx do
                target = url.join(location)
                redirect = f"redirect {response.status_code}"
                self.trust.check_follow(url, target, redirect, self.describe(*asked))
                url = target
            described = self.describe(*asked)
            raise RedirectRefused(f"more than {MAX_REDIRECTS} redirects", request=described)
        except RestError as exc:
            if not turned:
                raise
            # whatever failed after that, the write itself may have been carried out
            described = self.describe(*asked)
            raise TransportError(f"{exc.message} (after {turned})", request=described) from None

    def _build(
        self,
        method: str,
        url: httpx.URL,
        headers: Mapping[str, str] | None,
        content: bytes | str | None,
        credentials: Credentials | None,
    ) -> tuple[httpx.AsyncClient, httpx.Request]:
        trusted = self.trust.sends_credentials_to(url)
        client = self._clients.get(trusted=trusted, secure=url.scheme == "https")
        extra = dict(headers or {})
        if trusted:
            for creds in (credentials, self.credentials):  # narrower wins
                if creds is None:
                    continue
                extra = {**creds.headers, **extra}
                missing = {k: v for k, v in creds.params.items() if k not in url.params}
                url = url.copy_merge_params(missing) if missing else url
        return client, client.build_request(method, url, headers=extra, content=content)

    def _policy(self, idempotency_header: str | None) -> RetryPolicy:
        """The connection's retry policy, knowing one request's idempotency header.

        A copy, never an assignment to `self.retry`: that is shared by every request
        in flight on this connection."""
        if not idempotency_header:
            return self.retry
        return replace(self.retry, idempotency_header=idempotency_header)

    async def _send_retrying(
        self,
        client: httpx.AsyncClient,
        request: httpx.Request,
        retry: bool,
        policy: RetryPolicy,
    ) -> httpx.Response:
        attempt = 0
        while True:
            response, error = await self._send_once(client, request)
            decision = policy.decide(attempt, request, response, error)
            tls_failed = error is not None and _ssl_error(error) is not None
            if not retry or decision.wait is None or tls_failed:
                if error is not None:
                    raise self._transport_error(error, request, decision.note) from None
                assert response is not None
                response.extensions["writeback.note"] = decision.note
                return response
            attempt += 1
            await asyncio.sleep(decision.wait)

    async def _send_once(
        self, client: httpx.AsyncClient, request: httpx.Request
    ) -> tuple[httpx.Response | None, Exception | None]:
        wait = self.limiter.reserve()
        if wait:
            await asyncio.sleep(wait)
        async with self._slots:
            try:
                response = await client.send(request, stream=True)
                await self._read_capped(response)
            except (httpx.TransportError, OSError) as exc:
                # OSError: a TLS alert during the first read (client certificate refused
                # under TLS 1.3) reaches us unwrapped through anyio.
                return None, exc
        return response, None

    async def _read_capped(self, response: httpx.Response) -> None:
        """Read the body in pieces, refusing one over max_response_mb before it fills memory."""
        limit = int(self.integration.max_response_mb * 1024 * 1024)
        announced = count_of(response.headers.get("content-length", ""))
        if announced is not None and announced > limit:
            await response.aclose()
            raise self._too_large(response, f"announces {announced / 2**20:.0f} MB")
        chunks: list[bytes] = []
        size = 0
        # httpx declares an AsyncIterator; it is an async generator, closed here at once
        # (not when collected) should the body prove too large.
        body = cast("AsyncGenerator[bytes, None]", response.aiter_bytes())
        async with contextlib.aclosing(body) as pieces:
            async for chunk in pieces:
                size += len(chunk)
                if size > limit:
                    await response.aclose()
                    raise self._too_large(response, "")
                chunks.append(chunk)
        # What Response.aread() does; done by hand so the size is checked as it grows.
        response._content = b"".join(chunks)

    def _too_large(self, response: httpx.Response, detail: str) -> ResponseTooLarge:
        mb = self.integration.max_response_mb
        announced = f" ({detail})" if detail else ""
        return ResponseTooLarge(
            f"{response.status_code} answer larger than {mb:g} MB{announced}; "
            "not read (max_response_mb)",
            request=self.describe(response.request.method, response.request.url),
            status=response.status_code,
        )

    def _transport_error(self, exc: Exception, request: httpx.Request, note: str) -> TransportError:
        described = self.describe(request.method, request.url)
        reason = self.redact(_transport_reason(exc))
        if isinstance(exc, httpx.TimeoutException):
            reason = f"no answer within {self.integration.timeout:g} s ({reason})"
        if note:
            reason += f" ({note})"
        unsent = isinstance(exc, NOT_SENT)
        kind: type[TransportError] = TransportError
        if _ssl_error(exc) is not None:  # a handshake refused is a ConnectError: unsent
            kind = TlsError
        elif isinstance(exc, httpx.TimeoutException):
            kind = TimedOut
        elif unsent:
            kind = Unreachable
        return kind(reason, request=described, nothing_sent=unsent)

    # -- responses --------------------------------------------------------------------

    def raise_for_status(self, response: httpx.Response) -> None:
        """HttpStatusError (AuthFailed for 401/403) with the decoded body, unless 2xx."""
        if response.is_success:
            return
        status = response.status_code
        described = self.describe(response.request.method, response.request.url)
        text = status_text(response, self.redact(describe_body(response)))
        note = response.extensions.get("writeback.note")
        if note:
            text += f" ({note})"
        cls = AuthFailed if status in (401, 403) else HttpStatusError
        raise cls(text, request=described, status=status)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes: httpx wraps the socket error two levels down."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not f for f in found):
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _ssl_error(exc: BaseException) -> ssl.SSLError | None:
    for item in _chain(exc):
        if isinstance(item, ssl.SSLError):
            return item
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text and "alert" in text.lower():
        return ssl.SSLError(text)
    return None


def _transport_reason(exc: Exception) -> str:
    ssl_error = _ssl_error(exc)
    if ssl_error is not None:
        verify = getattr(ssl_error, "verify_message", None)
        reason = getattr(ssl_error, "reason", None)
        words = ": ".join(str(w) for w in (reason, verify) if w) or str(ssl_error)
        return words.replace(
            "_", " "
        ).lower()  # "certificate verify failed: self-signed certificate"
    for item in _chain(exc):
        if isinstance(item, socket.gaierror):
            return f"host name not found ({item.strerror})"
        if isinstance(item, ConnectionRefusedError):
            return "connection refused"
        if isinstance(item, OSError) and item.errno and item.strerror:
            return item.strerror.lower()
    if isinstance(exc, httpx.TimeoutException):
        return type(exc).__name__.replace("Timeout", " timeout").strip().lower()
    return str(exc) or type(exc).__name__
