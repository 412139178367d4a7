"""A lock whose holder process died on this host is taken over at once, not after its lease.

Real processes, killed with SIGKILL; every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from tests.fixtures.state_backends import StateBackend
from tests.fixtures.state_support import Children, who
from tui.state import LockHeld, StateStore
from tui.state.db import now_us
from tui.state.identity import Identity
from tui.state.liveness import gone, start_token

DEST = "products"
HERE = socket.gethostname()
LONG_TTL = "600"  # the lease alone would keep the lock for ten minutes


def takeovers(state: StateStore) -> list:
    return [e for e in state.audit.query(limit=None) if e.event == "takeover"]


def dead_pid() -> int:
    """The pid of a process that ran and has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)
    return child.pid


def test_a_killed_holder_on_this_host_is_taken_over_at_once(state_backend: StateBackend) -> None:
    with Children() as children, state_backend() as state:
        holder = children.worker("hold", state_backend.target, DEST, "bob", HERE, LONG_TTL)
        held = holder.event("held")
        # alive: its lock stands, for other users and other processes of the same user
        for someone in (who("carol", HERE), Identity("bob", HERE, 1)):
            with pytest.raises(LockHeld, match=f"locked by bob@{HERE}"):
                state.locks.acquire(DEST, someone, 60, wait=0.3)
        assert state.locks.get(DEST).pid == held["pid"]
        holder.kill9()
        assert state.locks.get(DEST) is None, "a dead holder's lock still shows as held"
        started = time.monotonic()
        lock, new = state.locks.acquire(DEST, who("carol", HERE), 60)
        waited = time.monotonic() - started
        [takeover] = takeovers(state)
    assert new and lock.login == "carol" and waited < 1
    assert now_us() < held["expires_us"], "taken over only because the lease ran out"
    assert takeover.before["holder"] == f"bob@{HERE}"
    assert takeover.before["pid"] == held["pid"]
    assert takeover.before["ended"] == f"process {held['pid']} on {HERE} ended"
    assert takeover.after["holder"] == f"carol@{HERE}"
    assert "ended" in takeover.line()


def test_a_killed_holder_on_another_host_keeps_its_lease(state_backend: StateBackend) -> None:
    """A pid seen from here says nothing about another host's processes."""
    with Children() as children, state_backend() as state:
        holder = children.worker("hold", state_backend.target, DEST, "bob", "otherhost", LONG_TTL)
        holder.event("held")
        holder.kill9()
        with pytest.raises(LockHeld, match="locked by bob@otherhost"):
            state.locks.acquire(DEST, who("carol", HERE), 60, wait=0.3)
        assert not takeovers(state)


def test_a_reused_pid_is_not_mistaken_for_the_holder(state_backend: StateBackend) -> None:
    """The holder's pid runs again, but as another process: its start token differs."""
    with state_backend() as state:
        me = Identity("bob", HERE, os.getpid())
        state.locks.acquire(DEST, me, 600)
        assert state.locks.get(DEST).started == start_token(me.pid)
        with state.db.write() as conn:  # as if the holder had died and this pid come round again
            conn.execute("UPDATE locks SET started = ? WHERE destination = ?", ("x/1", DEST))
        assert state.locks.get(DEST) is None
        lock, new = state.locks.acquire(DEST, who("carol", HERE), 60)
        assert new and lock.login == "carol"
        assert len(takeovers(state)) == 1


def test_a_manual_lock_outlives_the_process_that_took_it(state_backend: StateBackend) -> None:
    """`writeback lock` exits at once: a lock taken by hand is the user's, not a process's."""
    pid = dead_pid()
    with state_backend() as state:
        state.locks.acquire(DEST, Identity("bob", HERE, pid), 600, manual=True)
        with pytest.raises(LockHeld):
            state.locks.acquire(DEST, who("carol", HERE), 60)
        assert state.locks.get(DEST).login == "bob"
        # the same lock taken automatically by that process would be free already
        state.locks.release(DEST, Identity("bob", HERE, pid))
        state.locks.acquire(DEST, Identity("bob", HERE, pid), 600)
        assert state.locks.get(DEST) is None


def test_liveness_of_this_and_of_ended_processes() -> None:
    token = start_token(os.getpid())
    assert token and token == start_token(os.getpid())
    assert not gone(os.getpid(), token)
    assert not gone(os.getpid(), None)  # unsure: the lease decides
    assert gone(os.getpid(), token + "0")
    assert gone(dead_pid(), None)
