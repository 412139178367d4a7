"""Rate limits, bounded concurrency and the retry policy.

The rate limiter is per integration and shared by the whole process (the app's
load worker, the writeback engine and a reload hook all draw from the same
budget), so it keeps its state behind a thread lock and only *computes* waits;
the waiting itself is an `asyncio.sleep` in the caller's event loop.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from datetime import UTC, datetime

import httpx
from msgspec import Struct

from tui.config.model import Integration
from tui.rest.wire import count_of

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Failures before a byte of the request left: no connection, no pool slot, no proxy tunnel.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
# Reads only. PUT and DELETE are idempotent by the RFC, but a resent PUT meets its own
# If-Match as a conflict and a resent DELETE a 404: writes that may have landed stay put.
RESENDABLE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class RateLimiter:
    """Generic cell rate algorithm: `per_minute` requests, bursts of up to one second's worth."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._interval = 60.0 / per_minute if per_minute > 0 else 0.0
        burst = max(1, per_minute // 60)
        self._tolerance = self._interval * (burst - 1)
        self._tat = 0.0  # theoretical arrival time of the next request
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a slot; returns how many seconds to wait before using it."""
        if not self._interval:
            return 0.0
        with self._lock:
            now = time.monotonic()
            tat = max(self._tat, now)
            wait = max(0.0, tat - self._tolerance - now)
            self._tat = tat + self._interval
            return wait


_LIMITERS: dict[tuple[str, int], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(integration: Integration) -> RateLimiter:
    """The process-wide limiter of an integration (a new one if its rate changed)."""
    key = (integration.id, integration.rate_limit)
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            limiter = _LIMITERS[key] = RateLimiter(integration.rate_limit)
        return limiter


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as delay-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    seconds = count_of(value)
    if seconds is not None:
        return float(seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryDecision(Struct, frozen=True):
    wait: float | None  # seconds before the next try; None: do not retry
    note: str = ""  # why not, when it matters to the user


class RetryPolicy(Struct, frozen=True):
    retries: int = 3
    backoff: float = 0.5
    max_retry_wait: float = 60.0
    idempotency_header: str | None = None

    @classmethod
    def of(cls, integration: Integration) -> RetryPolicy:
        return cls(integration.retries, integration.backoff, integration.max_retry_wait)

    def may_resend(self, request: httpx.Request, nothing_sent: bool) -> bool:
        """A request is resent only if doing it twice cannot do harm."""
        if nothing_sent or request.method in RESENDABLE_METHODS:
            return True
        header = self.idempotency_header
        return bool(header and request.headers.get(header))

    def decide(
        self,
        attempt: int,
        request: httpx.Request,
        response: httpx.Response | None = None,
        error: Exception | None = None,
    ) -> RetryDecision:
        """Whether to try `request` again after try number `attempt` (0-based)."""
        if response is not None and response.status_code not in RETRY_STATUSES:
            return RetryDecision(None)
        # A connection that never opened, or a 429 (rejected before processing), sent nothing.
        nothing_sent = isinstance(error, NOT_SENT) or (
            response is not None and response.status_code == 429
        )
        if not self.may_resend(request, nothing_sent):
            return RetryDecision(
                None, f"{request.method} is not retried without an idempotency key"
            )
        if attempt >= self.retries:
            return RetryDecision(None, f"gave up after {attempt + 1} tries" if attempt else "")
        asked = retry_after_seconds(response.headers.get("retry-after")) if response else None
        if asked is not None and asked > self.max_retry_wait:
            return RetryDecision(
                None,
                f"Retry-After {asked:.0f} s is more than max_retry_wait {self.max_retry_wait:g} s",
            )
        if asked is not None:
            return RetryDecision(asked)
        # Exponential backoff with jitter, so many clients do not retry in lockstep.
        delay = self.backoff * (2**attempt) * random.uniform(0.5, 1.0)
        return RetryDecision(min(delay, self.max_retry_wait))
