"""The PostgreSQL state: migrations under concurrency, atomic first locks, audit ids in
commit order, NOTIFY, the admin commands, the optional driver.

Tests that hold on both backends take `state_backend`; the rest need the cluster
(`state_pg`) and are skipped without it, except under CI. The two-process race of
two hosts for one lock is in test_state_locks.py, on both backends.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.polling import poll_until
from tests.support.srv_process import free_port
from tests.support.state_backends import (
    PG_SECRET_PASSWORD,
    PG_SECRET_ROLE,
    StateBackend,
    StatePg,
)
from tests.support.state_support import ROOT, Children, child_env, cli, who
from tui.state import AuditEntry, LockHeld, StateError, StateStore
from tui.state.db import DRIVER_HINT
from tui.state.migrations import MIGRATIONS

DEST = "products"


def pg_store(state_pg: StatePg, database: str, **options: object) -> StateStore:
    return StateStore(state_pg.url(database), **options)  # type: ignore[arg-type]


def entry(login: str, event: str = "update") -> AuditEntry:
    return AuditEntry.now(who(login), DEST, event).but(outcome="done")


def config_file(tmp_path: Path, state: str) -> Path:
    path = tmp_path / "wb.toml"
    path.write_text(state)
    return path


# ------------------------------------------------------------------ schema


def test_stores_opening_an_empty_database_at_once_migrate_it_once(
    state_pg: StatePg, state_pg_database: str
) -> None:
    start = threading.Barrier(6)
    versions: list[int] = []

    def open_one() -> None:
        start.wait()
        with pg_store(state_pg, state_pg_database) as store:
            versions.append(store.db.version)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert versions == [len(MIGRATIONS)] * 6
    steps = state_pg.execute(state_pg_database, "SELECT version FROM writeback_schema")
    assert steps == [(n + 1,) for n in range(len(MIGRATIONS))]


def test_a_newer_schema_is_refused_in_one_line(state_pg: StatePg, state_pg_database: str) -> None:
    pg_store(state_pg, state_pg_database).close()
    newer = len(MIGRATIONS) + 1
    state_pg.execute(state_pg_database, f"INSERT INTO writeback_schema VALUES ({newer})")
    state_pg.execute(state_pg_database, f"DELETE FROM writeback_schema WHERE version < {newer}")
    with pytest.raises(StateError) as refused:
        pg_store(state_pg, state_pg_database)
    assert "\n" not in str(refused.value) and "newer" in str(refused.value)


def test_a_role_that_may_not_create_tables_is_told_to_ask_for_a_migration(
    state_pg: StatePg, state_pg_database: str
) -> None:
    state_pg.execute(state_pg_database, f"REVOKE CREATE ON SCHEMA public FROM {PG_SECRET_ROLE}")
    url = state_pg.url(state_pg_database, PG_SECRET_ROLE)
    with pytest.raises(StateError) as refused:
        StateStore(url, password=PG_SECRET_PASSWORD)
    assert "writeback state migrate" in str(refused.value)
    assert PG_SECRET_PASSWORD not in str(refused.value)


def test_a_role_with_table_grants_works_once_the_owner_migrated(
    state_pg: StatePg, state_pg_database: str
) -> None:
    pg_store(state_pg, state_pg_database).close()
    state_pg.execute(
        state_pg_database,
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {PG_SECRET_ROLE}",
    )
    url = state_pg.url(state_pg_database, PG_SECRET_ROLE)
    with StateStore(url, password=PG_SECRET_PASSWORD) as store:
        lock, new = store.locks.acquire(DEST, who("alice"), 30)
        assert new and store.locks.release(DEST, who("alice"))
        assert [e.event for e in store.audit.query()] == ["lock", "unlock"]


# ------------------------------------------------------------------ locks and audit order


def test_the_first_lock_of_a_destination_goes_to_one_taker(state_backend: StateBackend) -> None:
    """No row to lock yet: the destination's key still lets only one insert win."""
    stores = [state_backend() for _ in range(4)]
    for round_ in range(20):
        dest = f"fresh-{round_}"
        winners = _race_once(stores, dest)
        assert len(winners) == 1, winners
        assert stores[0].locks.get(dest).login == winners[0]


def _race_once(stores: list[StateStore], dest: str) -> list[str]:
    start = threading.Barrier(len(stores))
    winners: list[str] = []

    def take(store: StateStore, login: str) -> None:
        start.wait()
        try:
            store.locks.acquire(dest, who(login, f"host-{login}"), 30)
        except LockHeld:
            return
        winners.append(login)

    threads = [
        threading.Thread(target=take, args=(store, f"user{i}")) for i, store in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return winners


def test_a_writer_draws_its_audit_id_only_after_the_earlier_one_committed(
    state_backend: StateBackend,
) -> None:
    slow, fast, reader = state_backend(), state_backend(), state_backend()
    inside, finish = threading.Event(), threading.Event()

    def slow_writer() -> None:
        with slow.db.write() as conn:
            slow.audit.add(conn, entry("slow"))
            inside.set()
            finish.wait(10)

    first = threading.Thread(target=slow_writer)
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=lambda: fast.audit.append(entry("fast")))
    second.start()
    second.join(0.3)
    assert second.is_alive(), "the second entry committed while the first was open"
    assert reader.audit.query(after_id=0) == []
    finish.set()
    first.join(10)
    second.join(10)
    trail = reader.audit.query(after_id=0)
    assert [e.login for e in trail] == ["slow", "fast"]
    assert trail[0].id < trail[1].id


def test_a_follower_by_id_misses_no_entry_of_concurrent_writers(
    state_backend: StateBackend,
) -> None:
    writers, per_writer = 4, 150
    stores = [state_backend() for _ in range(writers)]
    follower = state_backend()
    seen: list[int] = []
    done = threading.Event()

    def follow() -> None:
        last = 0
        while True:
            finished = done.is_set()
            for item in follower.audit.query(after_id=last, limit=None):
                seen.append(item.id)
                last = item.id
            if finished:
                return

    def write(store: StateStore, login: str) -> None:
        for _ in range(per_writer):
            store.audit.append(entry(login))

    reading = threading.Thread(target=follow)
    reading.start()
    threads = [threading.Thread(target=write, args=(s, f"w{i}")) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    done.set()
    reading.join(30)
    every = [e.id for e in follower.audit.query(limit=None)]
    assert len(every) == writers * per_writer
    assert seen == every


# ------------------------------------------------------------------ the change feed


@pytest.mark.slow
def test_wait_for_change_wakes_on_locks_and_audit_from_another_store(
    state_backend: StateBackend,
) -> None:
    watcher, other = state_backend(), state_backend()
    assert watcher.wait_for_change(5) is True  # the first call only starts watching
    started = time.monotonic()
    assert watcher.wait_for_change(0.3) is False
    assert time.monotonic() - started >= 0.29
    for change in (
        lambda: other.locks.acquire(DEST, who("bob"), 30),
        lambda: other.locks.renew(DEST, who("bob")),
        lambda: other.audit.append(entry("bob")),
        lambda: other.locks.release(DEST, who("bob")),
    ):
        threading.Timer(0.1, change).start()
        started = time.monotonic()
        assert watcher.wait_for_change(5) is True
        assert time.monotonic() - started < 0.5
    other.start_session(who("bob"))
    other.journal.save("bob", DEST, {"updates": {"1": {"qty": 2}}})
    assert watcher.wait_for_change(0.3) is False, "a draft is neither audit nor lock"


def listeners(state_pg: StatePg, database: str) -> int:
    """Connections of the cluster waiting on LISTEN."""
    [(count,)] = state_pg.execute(
        database, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'"
    )
    return int(count)


def test_follow_sees_a_push_from_another_process_within_half_a_second(
    state_pg: StatePg, state_pg_database: str, tmp_path: Path
) -> None:
    url = state_pg.url(state_pg_database)
    config = config_file(tmp_path, f'[state]\nurl = "{url}"\n')
    with pg_store(state_pg, state_pg_database) as store, Children() as children:
        store.audit.append(entry("seed"))
        follower = children.cli(config, "audit", "--follow", "--format", "jsonl")
        _at, line = follower.line()
        assert json.loads(line)["login"] == "seed"
        poll_until(lambda: listeners(state_pg, state_pg_database) == 1, what="LISTEN")
        for n in range(5):
            pushed = time.monotonic()
            store.audit.append(entry(f"pusher{n}"))
            at, line = follower.line(timeout=5)
            assert json.loads(line)["login"] == f"pusher{n}"
            # the follow loop reads only when told: without NOTIFY it would wait a second
            assert at - pushed < 0.5
            time.sleep(0.05)
        listening = listeners(state_pg, state_pg_database)
    assert listening == 1


def test_a_store_whose_connection_was_cut_reconnects(
    state_pg: StatePg, state_pg_database: str
) -> None:
    with pg_store(state_pg, state_pg_database) as store:
        assert store.wait_for_change(1)
        store.audit.append(entry("before"))
        assert store.wait_for_change(2)
        state_pg.execute(
            state_pg_database,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'writeback' AND datname = current_database()",
        )
        with pytest.raises(StateError, match="^the state at postgresql://"):
            store.audit.latest_id()
        store.audit.append(entry("after"))  # a fresh connection
        assert store.wait_for_change(2)  # the feed's was cut too: it listens again
        store.locks.acquire(DEST, who("bob"), 30)
        assert store.wait_for_change(2)
        assert [e.login for e in store.audit.query()] == ["before", "after", "bob"]


# ------------------------------------------------------------------ the admin commands


def test_state_migrate_then_check(state_pg: StatePg, state_pg_database: str, tmp_path: Path):
    url = state_pg.url(state_pg_database)
    config = config_file(tmp_path, f'[state]\nurl = "{url}"\n')
    before = cli(config, "state", "check")
    assert before.returncode == 1
    assert f"FAIL  schema 0, this writeback needs {len(MIGRATIONS)}" in before.stdout
    assert "writeback state migrate" in before.stdout
    first = cli(config, "state", "migrate")
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout == f"{url}: schema {len(MIGRATIONS)}, migrated from schema 0\n"
    again = cli(config, "state", "migrate")
    assert again.stdout == f"{url}: schema {len(MIGRATIONS)}, up to date\n"
    check = cli(config, "state", "check")
    assert (check.returncode, check.stderr) == (0, "")
    lines = check.stdout.splitlines()
    assert lines[0].startswith(f"state: {url} (PostgreSQL 15.")
    assert lines[1:4] == [
        f"ok    schema {len(MIGRATIONS)} (current)",
        "ok    may write locks, audit, drafts (probe rows, rolled back)",
        lines[3],
    ]
    assert lines[3].startswith("ok    changes pushed by LISTEN/NOTIFY in ")
    assert lines[4] == "0 locks held, 0 audit entries", "the probe rows were rolled back"


def test_state_commands_resolve_the_password_and_never_show_it(
    state_pg: StatePg, state_pg_database: str, tmp_path: Path
) -> None:
    state_pg.execute("postgres", f"ALTER DATABASE {state_pg_database} OWNER TO {PG_SECRET_ROLE}")
    url = state_pg.url(state_pg_database, PG_SECRET_ROLE)
    config = config_file(
        tmp_path, f'[state]\nurl = "{url}"\npassword = {{ env = "WB_TEST_PG_PASSWORD" }}\n'
    )
    good = cli(config, "state", "migrate", env=child_env(WB_TEST_PG_PASSWORD=PG_SECRET_PASSWORD))
    assert good.returncode == 0, good.stderr
    wrong = "wrong-password-42"
    bad = cli(config, "state", "check", env=child_env(WB_TEST_PG_PASSWORD=wrong))
    assert bad.returncode == 1
    assert bad.stderr.startswith("writeback state check: cannot connect to the state at ")
    assert "password authentication failed" in bad.stderr
    assert len(bad.stderr.splitlines()) == 1
    assert wrong not in bad.stdout + bad.stderr


@pytest.mark.parametrize(
    "url",
    ["postgresql://admin:{pw}@127.0.0.1:{port}/db", "postgresql://admin:{pw}@[127.0.0.1/db"],
    ids=["refused", "malformed"],
)
def test_a_password_inside_url_is_masked_in_errors(tmp_path: Path, url: str) -> None:
    secret = "hunter2-in-the-url"
    url = url.format(pw=secret, port=free_port())
    done = cli(tmp_path / "none.toml", "state", "check", "--url", url)
    assert done.returncode == 1
    assert secret not in done.stdout + done.stderr
    assert "admin:***@" in done.stderr and len(done.stderr.splitlines()) == 1


def test_state_check_on_sqlite(tmp_path: Path) -> None:
    config = config_file(tmp_path, f'[state]\npath = "{tmp_path / "state.db"}"\n')
    missing = cli(config, "state", "check")
    assert missing.returncode == 1 and "writeback state migrate" in missing.stderr
    assert not (tmp_path / "state.db").exists(), "check must not create the file"
    assert cli(config, "state", "migrate").returncode == 0
    check = cli(config, "state", "check")
    assert check.returncode == 0, check.stderr
    assert "ok    changes seen by polling every 0.1 s" in check.stdout


# ------------------------------------------------------------------ the driver is optional

_WITHOUT_PSYCOPG = "import sys; sys.modules['psycopg'] = None\n"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=child_env(),
    )


@pytest.mark.parametrize("command", [["locks"], ["state", "check"], ["audit", "--follow"]])
def test_a_missing_driver_is_one_line_naming_the_extra(tmp_path: Path, command: list[str]):
    config = config_file(tmp_path, '[state]\nurl = "postgresql://wb@127.0.0.1:1/wb"\n')
    argv = [*command, "--config", str(config)]
    done = _python(_WITHOUT_PSYCOPG + f"from tui.cli import main; sys.exit(main({argv!r}))")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert done.stderr.strip().endswith(": " + DRIVER_HINT)


def test_the_driver_is_imported_only_for_a_url(tmp_path: Path) -> None:
    code = (
        "import tui.cli, tui.commands.audit, tui.commands.state_admin\n"
        "from tui.state import StateStore\n"
        f"StateStore({str(tmp_path / 'state.db')!r}).close()\n"
        "print('psycopg' in sys.modules)\n"
    )
    done = _python("import sys\n" + code)
    assert (done.returncode, done.stdout) == (0, "False\n"), done.stderr
