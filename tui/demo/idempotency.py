"""Idempotency-Key for POST: a retried request gets the first answer, not a second row."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from tui.demo.errors import ApiError
from tui.demo.wire import Response


class IdempotencyStore:
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
