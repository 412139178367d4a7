"""Whether the process holding a lock on this host still runs.

A pid alone is not enough: pids are reused. Where /proc exists (Linux) a lock
records its process's start token, the boot id and the start time in clock
ticks, so a reused pid or a reboot reads as a different process.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

_PROC = Path("/proc")


@lru_cache(maxsize=1)
def _boot_id() -> str:
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def start_token(pid: int) -> str | None:
    """`BOOT-ID/START-TICKS` of a running process, or None where it cannot be read."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its last ")"
    fields = stat.rpartition(")")[2].split()
    if len(fields) < 20:
        return None
    return f"{_boot_id()}/{fields[19]}"


def running(pid: int) -> bool:
    """Whether some process has this pid (of any user)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: it exists
        return True
    except OSError:
        return True  # cannot tell: assume it runs, so its lease rules stay
    return True


def gone(pid: int, token: str | None) -> bool:
    """True only when the process that took a lock (pid, its start token) has surely ended.

    Unsure answers are False: then the lease runs out as it would anyway.
    """
    if not running(pid):
        return True
    if not token:
        return False
    now = start_token(pid)
    return now is not None and now != token
