"""Noticing changes of the audit trail and the locks that other processes make.

SQLite has no way to be told, so the feed polls a mark that any such change
moves: the newest audit id and a digest of the lock rows, a few index reads.
PostgreSQL pushes a notification instead (postgres_db.NotifyFeed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

POLL_S = 0.1
# The newest entry, and the lock rows: taken, released and renewed leases all move the sum.
CHANGE_MARK_SQL = (
    "SELECT (SELECT coalesce(max(id), 0) FROM audit),"
    " (SELECT count(*) FROM locks),"
    " (SELECT coalesce(sum(expires_us), 0) FROM locks)"
)


class PollingFeed:
    def __init__(
        self, read: Callable[[str, Sequence[object]], list[Any]], interval: float = POLL_S
    ) -> None:
        self._read = read
        self._interval = interval
        self._mark = self._current()

    def _current(self) -> tuple[Any, ...]:
        return tuple(self._read(CHANGE_MARK_SQL, ())[0])

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            mark = self._current()
            if mark != self._mark:
                self._mark = mark
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(self._interval, left))

    def close(self) -> None:
        """Nothing to give back: the feed reads through the store's own connection."""
