"""Destination locks as leases in the shared state, raced by real OS processes.

Every test that takes `store` or `state_backend` runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sqlite3
import stat
import threading
import time
from pathlib import Path

import httpx
import msgspec.structs
import pytest

from tests.support.polling import poll_until
from tests.support.state_backends import StateBackend
from tests.support.state_support import Children, race, who, write_config
from tui.config import load_config
from tui.secrets import SecretStore
from tui.state import LockHeld, StateError, StateStore
from tui.state.db import now_us
from tui.state.migrations import MIGRATIONS
from tui.workspace import Workspace, writing

DEST = "products"
HERE = socket.gethostname()
ROUNDS = 1000


@pytest.fixture
def store(state_backend: StateBackend) -> StateStore:
    return state_backend()


def events(state: StateStore, *names: str) -> list:
    return [e for e in state.audit.query(limit=None) if e.event in names]


# ------------------------------------------------------------------ two processes racing


@pytest.mark.slow
@pytest.mark.parametrize(
    ("logins", "here"),
    [(("alice", "bob"), False), (("alice", "alice"), False), (("alice", "bob"), True)],
    ids=["two", "same", "this-host"],
)
def test_two_processes_racing_never_both_hold(
    state_backend: StateBackend, tmp_path: Path, logins: tuple[str, str], here: bool
) -> None:
    """Two "hosts" (host names injected into the identities) race for one lock. Same
    login: automatic locks belong to a process, so its two pids still exclude. This
    host: each lock records its process's start token and every look at the other's
    lock asks whether its process still runs, under full contention: still never
    two holders, and no live holder taken for dead (no takeover in the trail)."""
    state_backend().close()
    racers = [(login, HERE if here else f"racehost-{n}") for n, login in enumerate(logins)]
    pids, tallies = race(state_backend.target, DEST, racers, ROUNDS, tmp_path / "inside")
    with state_backend() as state:
        trail = events(state, "lock", "unlock", "takeover", "break")
        assert state.locks.get(DEST) is None
    assert len(trail) == 4 * ROUNDS
    # the trail as the database serialised it: strictly lock, unlock, by the same process
    for taken, given in zip(trail[::2], trail[1::2], strict=True):
        assert (taken.event, given.event) == ("lock", "unlock")
        assert taken.after["pid"] == given.before["pid"] and taken.host == given.host
    assert {e.after["pid"] for e in trail[::2]} == set(pids)
    assert {e.host for e in trail} == {host for _login, host in racers}
    # on this host every lock carried its process's start token, to be checked by the other
    assert all(t["tokens"] == (ROUNDS if here else 0) for t in tallies)


# ------------------------------------------------------------------ leases


@pytest.mark.slow
def test_lease_of_a_killed_holder_expires_and_is_taken_over(state_backend: StateBackend) -> None:
    with Children() as children:
        holder = children.worker("hold", state_backend.target, DEST, "bob", "bobhost", "2")
        held = holder.event("held")
        holder.kill9()
    carol = who("carol")
    with state_backend() as state:
        assert now_us() < held["expires_us"], "the lease ran out before the test could look"
        with pytest.raises(LockHeld) as refused:
            state.locks.acquire(DEST, carol, 60)
        assert re.fullmatch(r"locked by bob@bobhost since \d\d:\d\d", str(refused.value))
        assert refused.value.lock.pid == held["pid"]
        lock, new = state.locks.acquire(DEST, carol, 60, wait=10)
        assert now_us() >= held["expires_us"]
        assert (lock.login, lock.host, lock.pid, new) == ("carol", "testhost", os.getpid(), True)
        [takeover] = events(state, "takeover")
    assert (takeover.login, takeover.destination) == ("carol", DEST)
    assert takeover.before["holder"] == "bob@bobhost"
    assert takeover.before["pid"] == held["pid"]
    assert "from bob@bobhost" in takeover.line()


def test_lock_held_message_names_holder_host_and_local_time(store: StateStore) -> None:
    lock, new = store.locks.acquire(DEST, who("bob", "build-7"), 60)
    assert new and lock.since <= lock.expires
    with pytest.raises(LockHeld) as refused:
        store.locks.acquire(DEST, who("alice"), 60, wait=0.2)
    since = lock.since.astimezone().strftime("%H:%M")
    assert str(refused.value) == f"locked by bob@build-7 since {since}"
    assert refused.value.lock == lock


def test_waiting_acquire_gets_a_lock_released_meanwhile(store: StateStore) -> None:
    store.locks.acquire(DEST, who("bob"), 0.3)
    started = time.monotonic()
    lock, new = store.locks.acquire(DEST, who("alice"), 60, wait=5)
    assert lock.login == "alice" and new
    assert 0.1 < time.monotonic() - started < 3


def test_automatic_locks_belong_to_a_process_manual_ones_to_the_login(store: StateStore) -> None:
    first, second = who("alice", pid=1001), who("alice", pid=1002)
    auto, _ = store.locks.acquire(DEST, first, 60)
    assert auto.held_by(first) and not auto.held_by(second)
    with pytest.raises(LockHeld):
        store.locks.acquire(DEST, second, 60)
    store.locks.release(DEST, first)
    manual, _ = store.locks.acquire(DEST, first, 60, manual=True)
    assert manual.manual and manual.held_by(second) and not manual.held_by(who("bob"))
    again, new = store.locks.acquire(DEST, second, 60)  # a writeback under the manual lock
    assert not new and again.manual, "a writeback must not replace or release the manual lock"


def test_renew_extends_the_lease_only_for_its_holder(store: StateStore) -> None:
    alice = who("alice")
    lock, _ = store.locks.acquire(DEST, alice, 5)
    poll_until(lambda: now_us() > lock.since_us, what="the clock past the acquisition")
    renewed = store.locks.renew(DEST, alice)
    assert renewed is not None and renewed.expires_us > lock.expires_us
    assert renewed.since_us == lock.since_us
    assert store.locks.get(DEST).expires_us == renewed.expires_us
    assert store.locks.renew(DEST, who("bob")) is None
    assert store.locks.get(DEST).login == "alice"


def test_an_unrenewed_lease_runs_out(store: StateStore) -> None:
    alice = who("alice")
    lock, _ = store.locks.acquire(DEST, alice, 0.05)
    store.locks.acquire("other", alice, 60)
    poll_until(lambda: now_us() >= lock.expires_us, what="the clock past the lease")
    assert store.locks.get(DEST) is None
    assert [lock.destination for lock in store.locks.all()] == ["other"]
    assert store.locks.renew(DEST, alice) is None
    assert store.locks.release(DEST, alice) is False


def test_release_by_another_raises_and_force_breaks_audited(store: StateStore) -> None:
    store.locks.acquire(DEST, who("bob", "bobhost"), 60, manual=True)
    with pytest.raises(LockHeld, match="locked by bob@bobhost"):
        store.locks.release(DEST, who("alice"))
    assert store.locks.get(DEST).login == "bob"
    assert store.locks.release(DEST, who("admin"), force=True) is True
    assert store.locks.get(DEST) is None
    [broken] = events(store, "break")
    assert (broken.login, broken.before["holder"]) == ("admin", "bob@bobhost")
    assert [e.event for e in store.audit.query()] == ["lock", "break"]


def test_unlock_by_the_holder_is_audited(store: StateStore) -> None:
    alice = who("alice")
    store.locks.acquire(DEST, alice, 60, manual=True, integration="demo")
    assert store.locks.release(DEST, alice, integration="demo") is True
    assert store.locks.release(DEST, alice) is False
    trail = store.audit.query()
    assert [(e.event, e.login, e.integration) for e in trail] == [
        ("lock", "alice", "demo"),
        ("unlock", "alice", "demo"),
    ]


# ------------------------------------------------------------------ writebacks and locks


async def test_manual_lock_lets_the_same_login_write_and_refuses_others(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config = load_config(write_config(tmp_path, demo_server, state=state_backend))
    with state_backend() as state:
        lock = Workspace(config, DEST, state, who("alice", pid=1001), SecretStore()).lock()
        mine = Workspace(config, DEST, state, who("alice"), SecretStore())
        theirs = Workspace(config, DEST, state, who("bob", "bobhost"), SecretStore())
        for ws in (mine, theirs):
            await ws.load()
            ws.table.edit(0, "qty", 4321 if ws is mine else 1234)
        assert mine.read_only_reason() is None
        assert theirs.read_only_reason() == lock.describe()
        report = await mine.write_back()
        assert report.summary == "1 updated"
        sent = demo_server.request_count
        with pytest.raises(LockHeld, match=r"^locked by alice@testhost since \d\d:\d\d$"):
            await theirs.write_back()
        assert demo_server.request_count == sent
        held = state.locks.get(DEST)
        assert held is not None and held.manual and held.login == "alice"
        assert [e.event for e in state.audit.query()] == ["lock", "update"]


@pytest.mark.slow
async def test_a_writeback_waits_briefly_for_a_lease_that_runs_out(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config = load_config(write_config(tmp_path, demo_server, state=state_backend))
    with state_backend() as state:
        ws = Workspace(config, DEST, state, who("alice"), SecretStore())
        await ws.load()
        ws.table.edit(0, "qty", 4444)
        state.locks.acquire(DEST, who("bob", "bobhost"), 0.5)
        assert ws.read_only_reason().startswith("locked by bob@bobhost")
        started = time.monotonic()
        report = await ws.write_back()
        assert report.summary == "1 updated" and time.monotonic() - started >= 0.3
        trail = state.audit.query()
    assert [(e.event, e.login) for e in trail] == [
        ("lock", "bob"),
        ("takeover", "alice"),
        ("lock", "alice"),
        ("update", "alice"),
        ("unlock", "alice"),
    ]


@pytest.mark.slow
async def test_a_writeback_waits_for_another_writebacks_lock_and_says_so(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    path = write_config(tmp_path, demo_server, products="lock_wait = 10\n", state=state_backend)
    config = load_config(path)
    assert config.destinations[DEST].lock_wait == 10
    bob = who("bob", "bobhost")
    with state_backend() as state:
        ws = Workspace(config, DEST, state, who("alice"), SecretStore())
        await ws.load()
        ws.table.edit(0, "qty", 4545)
        state.locks.acquire(DEST, bob, 600)  # bob's writeback, still running
        heard: list[tuple[float, str, float]] = []

        def waiting(holder: str, seconds_left: float) -> None:
            heard.append((time.monotonic(), holder, seconds_left))
            if len(heard) == 3:
                state.locks.release(DEST, bob)

        report = await ws.write_back(on_wait=waiting)
    assert report.summary == "1 updated" and len(heard) == 3
    assert all(holder.startswith("locked by bob@bobhost since") for _at, holder, _left in heard)
    left = [seconds for _at, _holder, seconds in heard]
    assert 9 < left[0] <= 10 and left[0] > left[1] > left[2]
    gaps = [b[0] - a[0] for a, b in zip(heard, heard[1:], strict=False)]
    assert all(writing.WAIT_TICK_S * 0.9 <= gap < 3 * writing.WAIT_TICK_S for gap in gaps)
    assert report.lock_wait_s >= 2 * writing.WAIT_TICK_S * 0.9


@pytest.mark.parametrize(
    ("lock_wait", "manual"), [(0, False), (60, True)], ids=["lock_wait-0", "by-hand"]
)
async def test_a_writeback_refuses_at_once_with_lock_wait_0_or_under_a_lock_by_hand(
    tmp_path: Path, demo_server, state_backend: StateBackend, lock_wait: int, manual: bool
) -> None:
    path = write_config(
        tmp_path, demo_server, products=f"lock_wait = {lock_wait}\n", state=state_backend
    )
    config = load_config(path)
    with state_backend() as state:
        ws = Workspace(config, DEST, state, who("alice"), SecretStore())
        await ws.load()
        ws.table.edit(0, "qty", 4646)
        state.locks.acquire(DEST, who("bob", "bobhost"), 600, manual=manual)
        heard: list[str] = []
        started = time.monotonic()
        with pytest.raises(LockHeld, match="locked by bob@bobhost"):
            await ws.write_back(on_wait=lambda holder, _left: heard.append(holder))
    assert time.monotonic() - started < 2 and not heard


@pytest.mark.slow
async def test_a_writeback_longer_than_its_lease_keeps_the_lock(
    tmp_path: Path, make_demo_server, state_backend: StateBackend
) -> None:
    server = make_demo_server()
    path = write_config(tmp_path, server, integration="max_concurrency = 1\n", state=state_backend)
    config = load_config(path)
    short = msgspec.structs.replace(config.destinations[DEST], lock_ttl=0.3)
    config = msgspec.structs.replace(config, destinations={**config.destinations, DEST: short})
    with state_backend() as state:
        ws = Workspace(config, DEST, state, who("alice"), SecretStore())
        await ws.load()
        for row in range(6):
            ws.table.edit(row, "qty", 5000 + row)
        refusals = []

        def meanwhile(_result: object) -> None:  # each row, 0.25 s apart: 5 leases long
            with pytest.raises(LockHeld) as refused:
                state.locks.acquire(DEST, who("bob"), 60)
            refusals.append(str(refused.value))

        server.service.latency = 0.25
        started = time.monotonic()
        report = await ws.write_back(on_result=meanwhile)
        assert time.monotonic() - started > 4 * 0.3
    assert report.summary == "6 updated" and len(refusals) == 6
    assert all(r.startswith("locked by alice@testhost") for r in refusals)


def reread_config(tmp_path: Path, server, state: StateBackend):  # type: ignore[no-untyped-def]
    path = write_config(tmp_path, server, state=state)
    path.write_text(
        path.read_text().replace('conflict_check = "etag"', 'conflict_check = "reread"')
    )
    return load_config(path)


def requests_under_lock(state: StateStore, server) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """Wraps acquire and release: the methods the server got while the lock was held."""
    acquire, release, held = state.locks.acquire, state.locks.release, []

    def timed_acquire(*args, **kwargs):  # type: ignore[no-untyped-def]
        taken = acquire(*args, **kwargs)
        held.append(server.request_count)
        return taken

    def timed_release(*args, **kwargs):  # type: ignore[no-untyped-def]
        count = server.request_count - held.pop()
        held.append([method for method, _, _ in list(server.recent_requests)[-count:]])
        return release(*args, **kwargs)

    state.locks.acquire, state.locks.release = timed_acquire, timed_release
    return held


async def test_rows_are_re_read_before_the_lock_not_under_it(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config = reread_config(tmp_path, demo_server, state_backend)
    with state_backend() as state:
        ws = Workspace(config, DEST, state, who("alice"), SecretStore())
        await ws.load()
        for row in range(3):
            ws.table.edit(row, "qty", 6000 + row)
        ws.table.edit(3, "qty", 6003)
        product = ws.table.key_of(3)["id"]
        httpx.patch(f"{demo_server.api_url}/products/{product}", json={"qty": 1}).raise_for_status()
        under_lock = requests_under_lock(state, demo_server)
        report = await ws.write_back()
    assert report.summary == "3 updated, 1 conflicts"
    assert under_lock == [["PATCH"] * 3]  # the four GETs went before


async def test_a_writeback_between_the_re_read_and_the_lock_is_re_read_again(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    """Bob writes the row after Alice re-read it and before she has the lock: his audited
    writeback makes her re-read it under the lock, and his value is not overwritten."""
    config = reread_config(tmp_path, demo_server, state_backend)

    async def bob() -> None:
        with state_backend() as state:
            ws = Workspace(config, DEST, state, who("bob", "bobhost"), SecretStore())
            await ws.load()
            ws.table.edit(0, "qty", 1234)
            assert (await ws.write_back()).summary == "1 updated"

    with state_backend() as state:
        ws = Workspace(config, DEST, state, who("alice"), SecretStore())
        await ws.load()
        ws.table.edit(0, "qty", 4321)
        acquire = state.locks.acquire

        def bob_first(*args, **kwargs):  # type: ignore[no-untyped-def]
            state.locks.acquire = acquire
            thread = threading.Thread(target=asyncio.run, args=(bob(),))
            thread.start()
            thread.join()
            return acquire(*args, **kwargs)

        state.locks.acquire = bob_first
        under_lock = requests_under_lock(state, demo_server)
        report = await ws.write_back()
        product = ws.table.key_of(0)["id"]
    assert report.summary == "1 conflicts"
    assert report.conflicts[0].theirs["qty"] == 1234
    assert under_lock == [["GET"]]
    assert httpx.get(f"{demo_server.api_url}/products/{product}").json()["qty"] == 1234


# ------------------------------------------------------------------ the SQLite file and its schema


def test_a_fresh_file_is_migrated_to_wal_with_a_busy_timeout(tmp_path: Path) -> None:
    with StateStore(tmp_path / "state.db") as store:
        assert store.db.version == len(MIGRATIONS) > 0
        assert store.db.read("PRAGMA journal_mode") == [("wal",)]
        assert store.db.read("PRAGMA busy_timeout")[0][0] >= 1000
        tables = store.db.read("SELECT name FROM sqlite_master WHERE type = 'table'")
    expected = {"locks", "audit", "sessions", "session_drafts", "draft_steps", "intents"}
    assert expected <= {r[0] for r in tables}


def test_a_newer_schema_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StateError) as refused:
        StateStore(path)
    message = str(refused.value)
    assert "\n" not in message and str(path) in message and "newer" in message


@pytest.mark.slow
def test_processes_opening_a_fresh_file_at_once_all_succeed(tmp_path: Path) -> None:
    """Round after round, six processes open (create, switch to WAL, migrate) one new file."""
    directory, rounds = tmp_path / "fresh", 40
    with Children() as children:
        openers = [children.worker("open", str(directory), str(rounds)) for _ in range(6)]
        for opener in openers:
            opener.event("ready")
        outcomes = []
        for _ in range(rounds):
            for opener in openers:
                opener.send("go\n")
            outcomes += [opener.event("open") for opener in openers]
    errors = [o["error"] for o in outcomes if o["error"]]
    assert not errors, f"{len(errors)} of {len(outcomes)} opens failed, first: {errors[0]}"
    assert {o["version"] for o in outcomes} == {len(MIGRATIONS)}
    with StateStore(directory / "state0.db") as state:
        indexes = state.db.read("SELECT count(*) FROM sqlite_master WHERE type = 'index'")
        assert state.db.version == len(MIGRATIONS) and indexes[0][0] >= 3


@pytest.mark.parametrize(("dir_mode", "file_mode"), [(0o2770, 0o660), (0o700, 0o600)])
def test_state_file_mode_follows_a_shared_or_private_directory(
    tmp_path: Path, dir_mode: int, file_mode: int
) -> None:
    """Group sharing itself needs several OS users, which a test run cannot create:
    what is checked is that the file and its WAL are created group-writable in a
    group-writable (setgid) directory, whatever the umask, and private otherwise."""
    directory = tmp_path / "team"
    directory.mkdir()
    directory.chmod(dir_mode)
    old = os.umask(0o022)
    try:
        with StateStore(directory / "state.db") as state:
            state.locks.acquire(DEST, who("alice"), 60)
            modes = {
                p.name: stat.S_IMODE(p.stat().st_mode) for p in directory.iterdir() if p.is_file()
            }
            gid = (directory / "state.db").stat().st_gid
    finally:
        os.umask(old)
    assert modes["state.db"] == file_mode
    assert modes["state.db-wal"] == file_mode
    assert gid == directory.stat().st_gid
