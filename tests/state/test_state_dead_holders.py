"""A lock whose holder process died on this host is taken over at once, not after its lease.

Real processes, killed with SIGKILL; every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.state_backends import StateBackend
from tests.support.state_support import WORKER, Children, child_env, who
from tui.state import LockHeld, StateStore
from tui.state.db import now_us
from tui.state.identity import Identity
from tui.state.liveness import gone, machine, start_token

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


@pytest.mark.slow
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


@pytest.mark.slow
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
            conn.execute(
                "UPDATE locks SET started = ? WHERE destination = ?", (f"{machine()}/1", DEST)
            )
        assert state.locks.get(DEST) is None
        lock, new = state.locks.acquire(DEST, who("carol", HERE), 60)
        assert new and lock.login == "carol"
        assert len(takeovers(state)) == 1


def test_a_manual_lock_outlives_the_process_that_took_it(state_backend: StateBackend) -> None:
    """`writeback lock` exits at once: a lock taken by hand is the user's, not a process's."""
    pid = dead_pid()

    def as_if_started_here(state: StateStore) -> None:  # the ended process's token
        with state.db.write() as conn:
            conn.execute(
                "UPDATE locks SET started = ? WHERE destination = ?", (f"{machine()}/1", DEST)
            )

    with state_backend() as state:
        state.locks.acquire(DEST, Identity("bob", HERE, pid), 600, manual=True)
        as_if_started_here(state)
        with pytest.raises(LockHeld):
            state.locks.acquire(DEST, who("carol", HERE), 60)
        assert state.locks.get(DEST).login == "bob"
        # the same lock taken automatically by that process would be free already
        state.locks.release(DEST, Identity("bob", HERE, pid))
        state.locks.acquire(DEST, Identity("bob", HERE, pid), 600)
        as_if_started_here(state)
        assert state.locks.get(DEST) is None


@pytest.mark.slow
def test_liveness_of_this_and_of_ended_processes() -> None:
    token = start_token(os.getpid())
    assert token and token == start_token(os.getpid())
    assert not gone(os.getpid(), token)
    assert not gone(os.getpid(), None)  # unsure: the lease decides
    assert gone(os.getpid(), token + "0")
    assert gone(dead_pid(), token)
    # a token of no machine, or of another one: never judged from here
    assert not gone(dead_pid(), None)
    assert not gone(dead_pid(), "another-boot:pid:[4026531836]/1")


def zombie() -> tuple[subprocess.Popen[bytes], str]:
    """A child killed with SIGKILL and not reaped: its pid stays, in state Z. Returns it
    (reap it with .wait()) and the start token it had while it ran."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    token = start_token(child.pid)
    assert token
    os.kill(child.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
        assert time.monotonic() < deadline, "the killed child never became a zombie"
        time.sleep(0.01)
    return child, token


def test_a_killed_unreaped_child_counts_as_gone() -> None:
    child, token = zombie()
    try:
        os.kill(child.pid, 0)  # the pid is still there
        assert gone(child.pid, token)
    finally:
        child.wait(timeout=10)
    assert gone(child.pid, token)


@pytest.mark.slow
def test_a_zombie_holder_is_taken_over(state_backend: StateBackend) -> None:
    """The holder was killed, and its parent has not reaped it yet."""
    holder = subprocess.Popen(
        [sys.executable, str(WORKER), "hold", state_backend.target, DEST, "bob", HERE, LONG_TTL],
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert holder.stdout is not None
        held = json.loads(holder.stdout.readline())
        assert held["event"] == "held"
        with state_backend() as state:
            with pytest.raises(LockHeld):
                state.locks.acquire(DEST, who("carol", HERE), 60)
            os.kill(holder.pid, signal.SIGKILL)
            stat = Path(f"/proc/{holder.pid}/stat")
            deadline = time.monotonic() + 10
            while stat.read_text().rpartition(")")[2].split()[0] != "Z":
                assert time.monotonic() < deadline
                time.sleep(0.01)
            lock, new = state.locks.acquire(DEST, who("carol", HERE), 60)
            [takeover] = takeovers(state)
        assert new and lock.login == "carol"
        assert takeover.before["ended"] == f"process {held['pid']} on {HERE} ended"
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=10)


@pytest.mark.parametrize(
    "token",
    ["another-boot:pid:[4026531836]/1", "{boot}:pid:[1]/1", "{boot}/1", None],
    ids=["another-boot", "another-pid-namespace", "older-token", "no-token"],
)
def test_a_lock_of_another_machine_of_the_same_name_is_not_taken_over(
    state_backend: StateBackend, token: str | None
) -> None:
    """Same host name, but the token is of another boot (another machine, or this one
    before a reboot), another pid namespace (a container), or not to be compared: its
    pid says nothing here, even when no such process runs here."""
    boot = machine().partition(":")[0]
    started = token.format(boot=boot) if token else None
    with state_backend() as state:
        state.locks.acquire(DEST, Identity("bob", HERE, dead_pid()), 600)
        with state.db.write() as conn:
            conn.execute("UPDATE locks SET started = ? WHERE destination = ?", (started, DEST))
        with pytest.raises(LockHeld, match=f"locked by bob@{HERE}"):
            state.locks.acquire(DEST, who("carol", HERE), 60, wait=0.3)
        assert state.locks.get(DEST) is not None
        assert not takeovers(state)
