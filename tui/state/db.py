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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.state.errors import StateError
from tui.state.migrations import MIGRATIONS

BUSY_TIMEOUT_MS = 10_000


def now_us() -> int:
    """Wall-clock microseconds since the epoch (UTC): leases and audit times."""
    return time.time_ns() // 1000


def default_path() -> Path:
    from platformdirs import user_state_path

    return user_state_path("writeback") / "state.db"


class Database:
    """One connection, shared by the threads of a process under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        _prepare(path)
        try:
            self._conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL survives any crash of the process; only power loss may lose the tail
            self._conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StateError(f"cannot open the state at {path}: {exc}") from None
        self._lock = threading.RLock()
        self._migrate()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One atomic write transaction; the write lock is taken at the start."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def read(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    @property
    def version(self) -> int:
        return self.read("PRAGMA user_version")[0][0]

    def _migrate(self) -> None:
        if self.version == len(MIGRATIONS):
            return
        with self.write() as conn:  # re-read inside the lock: another process may have migrated
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StateError(
                    f"the state at {self.path} has schema {version}, newer than this "
                    f"version of writeback knows ({len(MIGRATIONS)}); upgrade writeback"
                )
            for number in range(version, len(MIGRATIONS)):
                for statement in MIGRATIONS[number]:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")


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
