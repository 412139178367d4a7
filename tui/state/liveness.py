"""Whether the process holding a lock on this host still runs.

A pid alone is not enough: pids are reused, and a host name can be shared. Where
/proc exists (Linux) a lock records its process's start token,
`MACHINE/START-TICKS`: MACHINE is this boot of this kernel (its boot id) and the
pid namespace the pid counts in, START-TICKS the process's start time in clock
ticks. Only a token of this very MACHINE is checked against the running
processes: another machine of the same name, a container with pids of its own,
or an earlier boot are never taken for dead here (their leases run out).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

_PROC = Path("/proc")


@lru_cache(maxsize=1)
def machine() -> str:
    """`BOOT-ID:PID-NAMESPACE` of this process, or "" where either cannot be read."""
    try:
        boot = (_PROC / "sys/kernel/random/boot_id").read_text().strip()
        space = os.readlink(_PROC / "self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return ""
    return f"{boot}:{space}" if boot and space else ""


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its last ")"
    fields = stat.rpartition(")")[2].split()
    return fields if len(fields) >= 20 else None


def start_token(pid: int) -> str | None:
    """`MACHINE/START-TICKS` of a running process, or None where it cannot be read."""
    fields = _stat(pid)
    here = machine()
    if fields is None or not here:
        return None
    return f"{here}/{fields[19]}"


def of_this_machine(token: str | None) -> bool:
    """Whether a start token was taken on this machine, this boot, in this pid namespace."""
    here = machine()
    return bool(here) and token is not None and token.rpartition("/")[0] == here


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
    """True only when the process that took a lock (pid, its start token) has surely ended:
    the token is of this machine, and that pid runs no more, runs another process, or
    is a zombie (ended, not yet reaped by its parent).

    Unsure answers are False: then the lease runs out as it would anyway.
    """
    if not of_this_machine(token):
        return False
    if not running(pid):
        return True
    fields = _stat(pid)
    if fields is None:
        return not running(pid)  # it ended between the two looks, or /proc hides it
    if fields[0] in ("Z", "X"):  # zombie or dead: it holds nothing any more
        return True
    return start_token(pid) != token
