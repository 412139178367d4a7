"""SQLite access: connection settings, schema, transactions and a connection pool.

Each handler thread borrows one connection for the life of its HTTP connection,
so a keep-alive client never pays for opening the database again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    region TEXT NOT NULL,
    owner TEXT NOT NULL,
    price REAL NOT NULL,
    qty INTEGER NOT NULL,
    active INTEGER NOT NULL,
    launch_date TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS products_region ON products(region);
CREATE TABLE IF NOT EXISTS web_integrations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    valid_origins TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    created TEXT NOT NULL,
    created_by TEXT NOT NULL,
    last_updated TEXT NOT NULL
);
"""


def connect(path: str | Path) -> sqlite3.Connection:
    """Open the database in autocommit mode; transactions are explicit (see below)."""
    # check_same_thread is off because pooled connections move between threads,
    # but each is used by one thread at a time.
    conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable across application crashes in WAL mode and avoids an
    # fsync per commit, which per-row PATCH traffic would otherwise pay.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


@contextmanager
def write_tx(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A transaction that takes the write lock up front.

    Read-check-write sequences (If-Match, JSON Patch test) must not interleave
    with another writer, and IMMEDIATE avoids deadlocks on lock upgrade.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        # SQLite may already have rolled back on its own (e.g. a full disk).
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def read_tx(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One snapshot for several reads, so a page and its total agree."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


class ConnectionPool:
    """Idle connections kept for reuse; opened on demand, closed on shutdown."""

    def __init__(self, path: str | Path, max_idle: int = 32) -> None:
        self._path = path
        self._max_idle = max_idle
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def acquire(self) -> sqlite3.Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return connect(self._path)

    def release(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
