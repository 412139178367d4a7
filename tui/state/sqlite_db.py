"""The SQLite file behind the state: WAL, a busy timeout, versioned migrations.

Several OS users on one host share one file in a group-writable directory: the
file is created group-writable there, and SQLite gives its -wal and -shm files
the database file's permissions.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from tui.state.db import Dialect
from tui.state.errors import StateError, StateUnwritable
from tui.state.feed import PollingFeed
from tui.state.migrations import MIGRATIONS

BUSY_TIMEOUT_MS = 10_000


@lru_cache(maxsize=256)
def sqlite_sql(sql: str) -> str:
    # BEGIN IMMEDIATE already holds the whole file's write lock: no row locks to take
    return sql.replace(" FOR UPDATE", "")


class SqliteConn:
    """The write transaction's connection, taking the portable SQL the state writes."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sqlite_sql(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> sqlite3.Cursor:
        return self._conn.executemany(sqlite_sql(sql), rows)


class SqliteDatabase:
    """One connection, shared by the threads of a process under a lock."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path, *, migrate: bool = True) -> None:
        self.path = path
        self.where = str(path)
        _prepare(path)
        try:
            self._conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _switch_to_wal(self._conn)
            # WAL + NORMAL survives any crash of the process; only power loss may lose the tail
            self._conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StateError(f"cannot open the state at {path}: {exc}") from None
        self._lock = threading.RLock()
        if migrate:
            self.migrate()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def write(self, key: str | None = None) -> Iterator[SqliteConn]:
        """One atomic write transaction; the write lock of the whole file is taken at the start."""
        with self._lock, self._failures():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteConn(self._conn)
            except BaseException:
                if self._conn.in_transaction:  # SQLite may have rolled back itself (disk full)
                    self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _failures(self) -> Iterator[None]:
        """A failed write (full disk, read-only file, locked past the busy wait) in one line."""
        try:
            yield
        except sqlite3.Error as exc:
            raise StateUnwritable(self.where, str(exc)) from None

    def read(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._conn.execute(sqlite_sql(sql), params).fetchall()
            except sqlite3.OperationalError as exc:
                raise StateError(f"the state at {self.where} cannot be read: {exc}") from None

    @property
    def version(self) -> int:
        return int(self.read("PRAGMA user_version")[0][0])

    def migrate(self) -> int:
        if self.version == len(MIGRATIONS):
            return 0
        with self.write() as conn:  # re-read inside the lock: another process may have migrated
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > len(MIGRATIONS):
                raise StateError(
                    f"the state at {self.path} has schema {version}, newer than this "
                    f"version of writeback knows ({len(MIGRATIONS)}); upgrade writeback"
                )
            for step in MIGRATIONS[version:]:
                for statement in step.statements(self.dialect):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        return len(MIGRATIONS) - version

    def feed(self) -> PollingFeed:
        return PollingFeed(self.read)

    def describe(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """Journal mode WAL; another process switching the same new file at the same moment
    makes SQLite answer "locked" at once, without its busy timeout, so wait here."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _prepare(path: Path) -> None:
    """Create the file, group-writable when its directory is shared by a group."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.exists():
            return
        shared = os.stat(path.parent).st_mode & stat.S_IWGRP
        mode = 0o660 if shared else 0o600
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, mode)
        os.fchmod(fd, mode)  # the umask must not take the group's write bit away
        os.close(fd)
    except OSError as exc:
        raise StateError(f"cannot create the state at {path}: {exc.strerror}") from None
