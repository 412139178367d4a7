"""`writeback lock`, `unlock`, `locks` and `push` under the lock, as OS processes, on both
backends of the state."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import pytest

from tests.support.state_backends import StateBackend
from tests.support.state_support import child_env, cli, who, write_config
from tui.state.identity import os_login
from tui.state.migrations import MIGRATIONS

pytestmark = pytest.mark.slow  # the commands as processes

DEST = "products"
CLOCK = r"\d\d:\d\d"


def changes_file(tmp_path: Path, *changes: dict) -> Path:
    path = tmp_path / "changes.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in changes))
    return path


def test_lock_locks_unlock(tmp_path: Path, demo_server, state_backend: StateBackend) -> None:
    config, me = write_config(tmp_path, demo_server, state=state_backend), os_login()
    run = cli(config, "locks")
    assert (run.returncode, run.stdout) == (0, "no locks held\n")
    run = cli(config, "lock", DEST)
    assert run.returncode == 0, run.stderr
    assert re.fullmatch(
        rf"products: locked by {re.escape(me)}@\S+ since {CLOCK}, until {CLOCK}:\d\d\n", run.stdout
    )
    run = cli(config, "locks")
    assert run.returncode == 0
    [line] = run.stdout.splitlines()
    assert re.fullmatch(
        rf"products\tlocked by {re.escape(me)}@\S+ since {CLOCK}\tmanual\tuntil .*", line
    )
    with state_backend() as state:
        lock = state.locks.get(DEST)
        assert lock is not None and lock.manual and lock.login == me
    run = cli(config, "unlock", DEST)
    assert (run.returncode, run.stdout) == (0, "products: unlocked\n")
    run = cli(config, "unlock", DEST)
    assert (run.returncode, run.stdout) == (0, "products: was not locked\n")
    with state_backend() as state:
        assert state.locks.get(DEST) is None
        assert [(e.event, e.login) for e in state.audit.query()] == [("lock", me), ("unlock", me)]


def test_lock_needs_allow_locking_and_a_known_destination(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config = write_config(tmp_path, demo_server, state=state_backend)
    run = cli(config, "lock", "products_batch")
    assert run.returncode == 3
    assert run.stderr.splitlines() == [
        "writeback lock products_batch: refused: products_batch does not allow locking "
        "(allow_locking = false)"
    ]
    run = cli(config, "lock", "nowhere")
    assert run.returncode == 2 and "no destination named 'nowhere'" in run.stderr


def test_unlock_of_anothers_lock_is_refused_and_force_breaks_it(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config = write_config(tmp_path, demo_server, state=state_backend)
    with state_backend() as state:
        state.locks.acquire(DEST, who("bob", "bobhost"), 600, manual=True)
    run = cli(config, "unlock", DEST)
    assert run.returncode == 3
    assert re.fullmatch(
        rf"writeback unlock products: refused: locked by bob@bobhost since {CLOCK}\n", run.stderr
    )
    run = cli(config, "unlock", DEST, "--force")  # an open destination: everyone is admin
    assert (run.returncode, run.stdout) == (0, "products: unlocked\n"), run.stderr
    with state_backend() as state:
        assert state.locks.get(DEST) is None
        broken = state.audit.query()[-1]
    assert (broken.event, broken.login) == ("break", os_login())
    assert broken.before["holder"] == "bob@bobhost"


@pytest.mark.parametrize("manual", [True, False], ids=["by-hand", "another-writeback"])
def test_push_while_another_holds_the_lock_exits_3(
    tmp_path: Path, demo_server, state_backend: StateBackend, manual: bool
) -> None:
    """A lock taken by hand refuses at once; another writeback's lock is waited for
    (lock_wait), then refused: either way nothing is written."""
    wait = 30 if manual else 1.5  # by hand: refused long before lock_wait runs out
    config = write_config(
        tmp_path, demo_server, products=f"lock_wait = {wait}\n", state=state_backend
    )
    with state_backend() as state:
        state.locks.acquire(DEST, who("bob", "otherhost"), 600, manual=manual)
    changes = changes_file(tmp_path, {"op": "update", "key": {"id": 5}, "set": {"qty": 55}})
    sent = demo_server.request_count
    started = time.monotonic()
    run = cli(config, "push", DEST, "--changes", str(changes))
    assert run.returncode == 3
    holder = rf"locked by bob@otherhost since {CLOCK}"
    waiting = (
        ""
        if manual
        else rf"writeback push products: waiting for the lock \({holder}\), up to \d+ s\n"
    )
    assert re.fullmatch(rf"{waiting}writeback push products: refused: {holder}\n", run.stderr)
    waited = time.monotonic() - started
    if manual:
        assert demo_server.request_count == sent
        assert waited < wait / 2, "a lock taken by hand must refuse at once"
    else:
        assert waited >= wait
        assert {method for method, _path, _status in demo_server.recent_requests} == {"GET"}
    with state_backend() as state:
        assert [e.event for e in state.audit.query()] == ["lock"]


def test_push_writes_under_the_users_own_manual_lock(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config = write_config(tmp_path, demo_server, state=state_backend)
    assert cli(config, "lock", DEST).returncode == 0
    changes = changes_file(tmp_path, {"op": "update", "key": {"id": 6}, "set": {"qty": 66}})
    run = cli(config, "push", DEST, "--changes", str(changes))
    assert run.returncode == 0, run.stderr
    with state_backend() as state:
        lock = state.locks.get(DEST)
        assert lock is not None and lock.manual, "the push must leave the manual lock in place"
        assert [e.event for e in state.audit.query()] == ["lock", "update"]


def test_push_audits_every_row_with_the_ssh_client(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config = write_config(tmp_path, demo_server, state=state_backend)
    changes = changes_file(
        tmp_path,
        {"op": "update", "key": {"id": 7}, "set": {"qty": 77}},
        {"op": "update", "key": {"id": 8}, "set": {"name": "Pushed", "price": 8.5}},
        {"op": "insert", "values": {"name": "Pushed new", "sku": "PRD-55555", "region": "AMER"}},
        {"op": "delete", "key": {"id": 9}},
    )
    env = child_env(SSH_CONNECTION="192.0.2.44 51000 10.1.1.1 22")
    run = cli(config, "push", DEST, "--changes", str(changes), env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "1 inserted, 2 updated, 1 deleted"
    with state_backend() as state:
        trail = state.audit.query(destination=DEST)
    assert [e.event for e in trail] == ["lock", "insert", "update", "update", "delete", "unlock"]
    rows = trail[1:-1]
    assert len({e.writeback_id for e in rows}) == 1 and rows[0].writeback_id
    for entry in trail:
        assert (entry.login, entry.ssh_client) == (os_login(), "192.0.2.44")
    by_id = {e.row_key["id"]: e for e in rows}
    assert by_id[8].after == {"name": "Pushed", "price": 8.5}
    assert set(by_id[8].before) == {"name", "price"}
    assert by_id[7].after == {"qty": 77} and by_id[9].after is None
    assert all(e.outcome == "done" and e.status in (201, 204) for e in rows)


def test_a_state_with_a_newer_schema_is_one_line_exit_2(tmp_path: Path, demo_server) -> None:
    config = write_config(tmp_path, demo_server)
    conn = sqlite3.connect(tmp_path / "state.db")
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    for args in (("locks",), ("audit",), ("lock", DEST)):
        run = cli(config, *args)
        assert run.returncode == 2 and run.stdout == ""
        assert len(run.stderr.splitlines()) == 1 and "newer" in run.stderr
