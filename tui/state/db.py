"""The database behind the state: one interface, with SQLite or PostgreSQL behind it.

Locks, audit and journal write their SQL once, with `?` placeholders and
portable statements (`INSERT ... ON CONFLICT`, `SELECT ... FOR UPDATE`); each
backend translates what its dialect needs, runs its own migrations and
reports changes its own way (polling on SQLite, LISTEN/NOTIFY on PostgreSQL).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Literal, Protocol

from tui.state.errors import StateError

DRIVER_HINT = "[state] url needs the PostgreSQL driver: pip install 'writeback[postgres]'"
_URL_SCHEMES = ("postgresql://", "postgres://")


class DriverMissing(StateError):
    """`[state] url` is set but psycopg is not installed."""

    def __init__(self) -> None:
        super().__init__(DRIVER_HINT)


Dialect = Literal["sqlite", "postgres"]


def now_us() -> int:
    """Wall-clock microseconds since the epoch (UTC): leases and audit times."""
    return time.time_ns() // 1000


def default_path() -> Path:
    from platformdirs import user_state_path

    return user_state_path("writeback") / "state.db"


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...  # read-only on both drivers' cursors

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Conn(Protocol):
    """The connection inside a write transaction: `?` placeholders on every backend."""

    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> object: ...


class Feed(Protocol):
    """Changes of the audit trail and the locks, as another process makes them."""

    def wait(self, timeout: float) -> bool:
        """True as soon as something changed since the last call; False after `timeout`."""
        ...

    def close(self) -> None: ...


class Database(Protocol):
    dialect: Dialect
    where: str  # for messages: the file, or the URL without any password

    def write(self, key: str | None = None) -> AbstractContextManager[Conn]:
        """One atomic write transaction.

        `key` names what it changes (a destination's lock): transactions naming
        the same key run one after the other, even when no row exists yet.
        """
        ...

    def read(self, sql: str, params: Sequence[object] = ()) -> list[Any]: ...

    @property
    def version(self) -> int:
        """The schema version the database holds now."""
        ...

    def migrate(self) -> int:
        """Bring the schema up to date (once, whoever else tries too); returns steps run."""
        ...

    def feed(self) -> Feed: ...

    def describe(self) -> str:
        """The server or library and its version, for `writeback state check`."""
        ...

    def close(self) -> None: ...


def is_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(_URL_SCHEMES)


def url_password(url: str) -> str | None:
    """The password written into a URL (user:PASSWORD@ or ?password=), if any.

    Parsed by hand: a malformed URL must still be masked before it is shown.
    """
    rest = url.partition("://")[2]
    netloc = rest.partition("/")[0]
    userinfo = netloc.rpartition("@")[0]
    if ":" in userinfo:
        return userinfo.partition(":")[2]
    match = re.search(r"[?&]password=([^&]*)", rest)
    return match[1] if match else None


def shown_url(url: str) -> str:
    """The URL as it may be printed: any password inside it is masked."""
    password = url_password(url)
    return (
        url.replace(f":{password}@", ":***@").replace(f"password={password}", "password=***")
        if password
        else url
    )


def open_database(
    target: str | Path, *, password: str | None = None, migrate: bool = True
) -> Database:
    """A SQLite file (a path) or a PostgreSQL database (a postgresql:// URL)."""
    if not is_url(target):
        from tui.state.sqlite_db import SqliteDatabase

        return SqliteDatabase(Path(target), migrate=migrate)
    try:  # the driver is an extra, imported only by those who point at PostgreSQL
        import psycopg  # noqa: F401
    except ImportError:
        raise DriverMissing from None
    from tui.state.postgres_db import PostgresDatabase

    return PostgresDatabase(str(target), password=password, migrate=migrate)
