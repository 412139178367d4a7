"""Waiting for a condition by polling it, instead of sleeping for a time that is usually
long enough. In a Textual app under test use tests.support.app.wait_until, which lets the
app run between polls."""

from __future__ import annotations

import time
from collections.abc import Callable

INTERVAL = 0.01


def poll_until(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Call `condition()` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what or condition}")
        time.sleep(INTERVAL)
