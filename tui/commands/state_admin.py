"""`writeback state migrate|check [--url URL]`: the shared state's schema, and whether it works.

Both take the state from `[state]`, or from `--url` (an admin's role, its password
from PGPASSWORD or ~/.pgpass). `check` changes nothing: its probe writes are
rolled back. Exit 0 when all is well, 1 when a step failed.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from tui.commands import UsageError, cli_secret_store, fail
from tui.config import discover, load_config
from tui.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from tui.state import StateError, StateStore, open_state
from tui.state.db import DriverMissing, default_path, is_url
from tui.state.migrations import MIGRATIONS

FEED_WAIT_S = 2.0
# a destination no config can name (ids have no spaces), for the rolled-back probe rows
_PROBE = "writeback state check"
_PROBES = (
    "INSERT INTO locks (destination, login, host, pid, owner, manual, ttl_s, since_us, expires_us)"
    " VALUES (?, '', '', 0, '', 0, 0, 0, 0)",
    "UPDATE locks SET pid = 1 WHERE destination = ?",
    "DELETE FROM locks WHERE destination = ?",
    "INSERT INTO audit (at_us, login, host, destination, event) VALUES (0, '', '', ?, 'check')",
    "DELETE FROM audit WHERE destination = ?",
    "INSERT INTO session_drafts VALUES ('', ?, '', 0, 0, '{}')",
    "UPDATE session_drafts SET saved_us = 1 WHERE destination = ?",
    "DELETE FROM session_drafts WHERE destination = ?",
    "INSERT INTO draft_steps (session, destination, at_us, step) VALUES ('', ?, 0, '[]')",
    "DELETE FROM draft_steps WHERE destination = ?",
    "INSERT INTO sessions VALUES (?, '', '', 0, '', NULL, 'app', 0, 0, 0, NULL)",
    "DELETE FROM sessions WHERE id = ?",
    "INSERT INTO intents VALUES ('', ?, '', '', '{}', '', '', 0, NULL, 0, 0, NULL)",
    "UPDATE intents SET outcome = 'done' WHERE destination = ?",
    "DELETE FROM intents WHERE destination = ?",
)


class _Rollback(Exception):
    """Ends the probe transaction without committing it."""


def run(args: argparse.Namespace) -> int:
    command = f"writeback state {args.action}"
    try:
        state = _open(args)
    except DriverMissing as exc:  # an install problem, like a config one
        return fail(f"{command}: {exc}", EXIT_USAGE)
    except StateError as exc:
        return fail(f"{command}: {exc}", EXIT_FAILED)
    with state:
        try:
            return _migrate(state) if args.action == "migrate" else _check(state)
        except StateError as exc:
            return fail(f"{command}: {exc}", EXIT_FAILED)


def _open(args: argparse.Namespace) -> StateStore:
    if args.url is not None:
        if not is_url(args.url):
            raise UsageError(f"writeback state {args.action}: --url must be a postgresql:// URL")
        return StateStore(args.url, migrate=False)
    config = load_config(discover(getattr(args, "config", None)))
    path = config.state.path or default_path()
    if args.action == "check" and not config.state.url and not path.exists():
        raise StateError(f"no state at {path} yet: `writeback state migrate` creates it")
    return open_state(config, cli_secret_store(), migrate=False)


def _migrate(state: StateStore) -> int:
    before = state.db.version
    ran = state.db.migrate()
    done = f"migrated from schema {before}" if ran else "up to date"
    print(f"{state.where}: schema {len(MIGRATIONS)}, {done}")
    return EXIT_OK


def _check(state: StateStore) -> int:
    print(f"state: {state.where} ({state.db.describe()})")
    steps: list[Callable[[StateStore], tuple[bool, str]]] = [_schema, _writes, _changes]
    for step in steps:
        ok, line = step(state)
        print(f"{'ok  ' if ok else 'FAIL'}  {line}")
        if not ok:
            return EXIT_FAILED
    count = state.db.read("SELECT count(*) FROM audit")[0][0]
    print(f"{len(state.locks.all())} locks held, {count} audit entries")
    return EXIT_OK


def _schema(state: StateStore) -> tuple[bool, str]:
    version, known = state.db.version, len(MIGRATIONS)
    if version < known:
        return (
            False,
            f"schema {version}, this writeback needs {known}: run `writeback state migrate`",
        )
    if version > known:
        return False, f"schema {version} is newer than this writeback knows ({known}): upgrade it"
    return True, f"schema {version} (current)"


def _writes(state: StateStore) -> tuple[bool, str]:
    try:
        with state.db.write() as conn:
            for sql in _PROBES:
                conn.execute(sql, (_PROBE,))
            raise _Rollback
    except _Rollback:
        return True, "may write locks, audit, drafts (probe rows, rolled back)"
    except Exception as exc:  # a missing privilege or table: the driver's words say which
        return False, f"cannot write: {' '.join(str(exc).split())}"


def _changes(state: StateStore) -> tuple[bool, str]:
    if state.db.dialect == "sqlite":
        return True, "changes seen by polling every 0.1 s"
    feed = state.db.feed()
    try:
        started = time.perf_counter()
        with state.db.write() as conn:  # changes no row, yet the trigger notifies at commit
            conn.execute("DELETE FROM locks WHERE destination = ?", (_PROBE,))
        if not feed.wait(FEED_WAIT_S):
            return False, f"no notification within {FEED_WAIT_S:.0f} s (LISTEN/NOTIFY)"
        return (
            True,
            f"changes pushed by LISTEN/NOTIFY in {(time.perf_counter() - started) * 1000:.0f} ms",
        )
    finally:
        feed.close()
