"""The PostgreSQL database behind a team's state (psycopg 3, imported only from here).

One connection per process in autocommit mode: a read is one statement, a write
an explicit transaction. A second connection, opened when someone follows the
state, LISTENs for the notifications that triggers send at every commit that
changes the audit trail or the locks. The password never appears in a message.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import errors

from tui.state.db import Dialect, shown_url, url_password
from tui.state.errors import StateError, StateUnwritable
from tui.state.migrations import (
    LOCK_SPACE,
    MIGRATE_SPACE,
    MIGRATIONS,
    NOTIFY_CHANNEL,
)

CONNECT_TIMEOUT_S = 10
LOCK_TIMEOUT_MS = 10_000
_SCHEMA_TABLE = """CREATE TABLE IF NOT EXISTS writeback_schema (
    version integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


@lru_cache(maxsize=256)
def pg_sql(sql: str) -> str:
    """The state's SQL for psycopg: `?` placeholders become `%s`, a literal % doubles."""
    return sql.replace("%", "%%").replace("?", "%s")


def key_hash(key: str) -> int:
    """A stable 32-bit number for a key (Python's hash() differs between processes)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), signed=True)


class PgConn:
    """The write transaction's connection, taking the portable SQL the state writes."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> psycopg.Cursor[Any]:
        return self._conn.execute(pg_sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> psycopg.Cursor[Any]:
        cursor = self._conn.cursor()
        cursor.executemany(pg_sql(sql), [tuple(row) for row in rows])
        return cursor


class PostgresDatabase:
    """One connection shared by the threads of a process under a lock, like SQLite's."""

    dialect: Dialect = "postgres"

    def __init__(self, url: str, *, password: str | None = None, migrate: bool = True) -> None:
        self.url = url
        self.where = shown_url(url)
        self._secrets = [s for s in (password, url_password(url)) if s]
        self._password = password
        self._lock = threading.RLock()
        self._conn = self.connect()
        if migrate:
            self.migrate()

    def connect(self) -> psycopg.Connection[Any]:
        """A new connection in autocommit mode (the store's, or a feed's)."""
        try:
            return psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="writeback",
                options=f"-c lock_timeout={LOCK_TIMEOUT_MS}",  # a held row waits this long at most
                password=self._password or None,  # None: psycopg leaves it out (the URL's, or none)
            )
        except psycopg.Error as exc:
            raise StateError(
                f"cannot connect to the state at {self.where}: {self.redact(exc)}"
            ) from None

    def redact(self, exc: BaseException) -> str:
        """The error as one line, with the password masked wherever the driver put it."""
        text = " ".join(str(exc).split())
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text.replace(self.url, self.where)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _live(self) -> psycopg.Connection[Any]:
        # a connection lost to a server restart fails once, then is made again
        if self._conn.closed or self._conn.broken:
            self._conn = self.connect()
        return self._conn

    @contextmanager
    def _failures(self) -> Iterator[None]:
        try:
            yield
        except psycopg.OperationalError as exc:
            raise StateError(f"the state at {self.where}: {self.redact(exc)}") from None

    @contextmanager
    def _unwritable(self) -> Iterator[None]:
        """A write refused by the server (disk full, read-only, a lock not had in time)."""
        try:
            yield
        except (psycopg.OperationalError, psycopg.InternalError) as exc:
            raise StateUnwritable(self.where, self.redact(exc)) from None
        except StateError as exc:  # the connection lost: the message says so already
            raise StateUnwritable(
                self.where, str(exc).removeprefix(f"the state at {self.where}: ")
            ) from None

    @contextmanager
    def write(self, key: str | None = None) -> Iterator[PgConn]:
        """One transaction; with a key, after the transaction lock of that key.

        Rows are locked with SELECT ... FOR UPDATE, but a lock that does not
        exist yet has no row to lock: the key's lock serializes the first two
        takers too, so they cannot both insert it.
        """
        with self._lock, self._failures(), self._unwritable():
            conn = self._live()
            with conn.transaction():
                if key is not None:
                    conn.execute(
                        f"SELECT pg_advisory_xact_lock({LOCK_SPACE}, %s::integer)",
                        (key_hash(key),),
                    )
                yield PgConn(conn)

    def read(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        with self._lock, self._failures():
            return self._live().execute(pg_sql(sql), tuple(params)).fetchall()

    @property
    def version(self) -> int:
        if not self.read("SELECT to_regclass('writeback_schema') IS NOT NULL")[0][0]:
            return 0
        return int(self.read("SELECT coalesce(max(version), 0) FROM writeback_schema")[0][0])

    def migrate(self) -> int:
        """Run the missing steps in one transaction, under a lock: once, however many try."""
        if self.version == len(MIGRATIONS):
            return 0  # a role that may not create tables still opens an up-to-date state
        try:
            with self._lock, self._failures():
                conn = self._live()
                with conn.transaction():
                    conn.execute(f"SELECT pg_advisory_xact_lock({MIGRATE_SPACE}, 0)")
                    conn.execute(_SCHEMA_TABLE)
                    latest = conn.execute("SELECT max(version) FROM writeback_schema").fetchone()
                    # an aggregate answers one row; max() of no rows is NULL: schema 0
                    return self._run_steps(conn, (latest[0] if latest else None) or 0)
        except errors.InsufficientPrivilege as exc:
            raise StateError(
                f"the state at {self.where} needs schema {len(MIGRATIONS)} and this role may "
                f"not create it ({self.redact(exc)}): the database's owner runs "
                "`writeback state migrate`"
            ) from None

    def _run_steps(self, conn: psycopg.Connection[Any], version: int) -> int:
        if version > len(MIGRATIONS):
            raise StateError(
                f"the state at {self.where} has schema {version}, newer than this "
                f"version of writeback knows ({len(MIGRATIONS)}); upgrade writeback"
            )
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in step.statements(self.dialect):
                conn.execute(statement)
            conn.execute("INSERT INTO writeback_schema (version) VALUES (%s)", (number,))
        return len(MIGRATIONS) - version

    def feed(self) -> NotifyFeed:
        return NotifyFeed(self)

    def describe(self) -> str:
        server = self.read("SHOW server_version")[0][0].split()[0]
        return f"PostgreSQL {server}, psycopg {psycopg.__version__}"


class NotifyFeed:
    """LISTEN on a connection of its own; the triggers NOTIFY when a change commits."""

    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db
        self._conn = self._listen()

    def _listen(self) -> psycopg.Connection[Any]:
        conn = self._db.connect()
        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return conn

    def wait(self, timeout: float) -> bool:
        try:
            # stop_after=1 still hands over everything already received in one go
            for _notice in self._conn.notifies(timeout=timeout, stop_after=1):
                return True
            return False
        except psycopg.OperationalError:
            # the server went away: listen again, and anything may have changed meanwhile
            self._conn.close()
            self._conn = self._listen()
            return True

    def close(self) -> None:
        self._conn.close()
