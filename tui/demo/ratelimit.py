"""A sliding-window request limit, as REST APIs with per-minute tiers enforce."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """At most `limit` admissions in any `window` seconds."""

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
