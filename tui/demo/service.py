"""Request -> Response: guards (rate limit, injected faults, bearer token), routing, errors."""

from __future__ import annotations

import hmac
import itertools
import logging
import threading
import time
from collections import deque

from tui.demo.errors import ApiError
from tui.demo.idempotency import IdempotencyStore
from tui.demo.ratelimit import SlidingWindowLimiter
from tui.demo.routes import allowed, resolve
from tui.demo.wire import Request, Response, empty, error_response

log = logging.getLogger("tui.demo")
# The demo runs inside the terminal app; stray log lines would tear its screen.
log.addHandler(logging.NullHandler())


class DemoService:
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
