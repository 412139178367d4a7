"""Sessions: each app instance and each `push` run, so that what one of them keeps
(a draft, a writeback's intents) is never taken for another's.

A session is alive while its process is: on this host, by pid and start token
(liveness.gone, as for locks); elsewhere, or where the token cannot be read, while
its heartbeat keeps its lease. A session that ended cleanly says so at once.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from tui.state.db import Database, now_us
from tui.state.identity import Identity
from tui.state.liveness import gone, of_this_machine, start_token

LEASE_S = 120.0  # a session not heard of for this long, on a host we cannot look into, is gone
SessionKind = Literal["app", "push"]
COLUMNS = "id, login, host, pid, tty, started, kind, since_us, seen_us, lease_s, ended_us"


@dataclass(frozen=True)
class Session:
    id: str
    login: str
    host: str
    pid: int
    tty: str
    started: str | None  # the process's start token (liveness.start_token)
    kind: str
    since_us: int
    seen_us: int
    lease_s: float
    ended_us: int | None = None

    @property
    def since(self) -> datetime:
        return datetime.fromtimestamp(self.since_us / 1e6, UTC)

    def alive(self, now: int | None = None) -> bool:
        """Running still: not ended, its process not gone, its lease not run out.

        A process on this host whose start token we hold is looked at directly: it
        lives as long as it runs, heartbeat or not (a suspended terminal keeps it)."""
        if self.ended_us is not None:
            return False
        if self.host == socket.gethostname() and of_this_machine(self.started):
            return not gone(self.pid, self.started)
        now = now_us() if now is None else now
        return self.seen_us + int(self.lease_s * 1e6) > now

    def describe(self) -> str:
        """ "HOST pid 4242 /dev/pts/3 since 10:32" (local time of this machine)."""
        since = self.since.astimezone().strftime("%H:%M")
        tty = f" {self.tty}" if self.tty else ""
        return f"{self.host} pid {self.pid}{tty} since {since}"


def this_tty() -> str:
    """The terminal this process runs on, or "" (none, e.g. under a scheduler)."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            if stream is not None and stream.isatty():
                return os.ttyname(stream.fileno())
        except (OSError, ValueError):
            continue
    return ""


class Sessions:
    """The registry: register at start, heartbeat while running, end on exit."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def register(
        self, who: Identity, kind: SessionKind = "app", *, lease_s: float = LEASE_S
    ) -> Session:
        """This process as a session of `who`'s login: its liveness is this process's."""
        now, pid = now_us(), os.getpid()
        session = Session(
            uuid.uuid4().hex,
            who.login,
            socket.gethostname(),
            pid,
            this_tty(),
            start_token(pid),
            kind,
            now,
            now,
            lease_s,
        )
        with self._db.write() as conn:
            conn.execute(
                f"INSERT INTO sessions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _values(session),
            )
        return session

    def heartbeat(self, session: str) -> None:
        """Keep the lease of a running session (call well inside `lease_s`)."""
        with self._db.write() as conn:
            conn.execute(
                "UPDATE sessions SET seen_us = ? WHERE id = ? AND ended_us IS NULL",
                (now_us(), session),
            )

    def end(self, session: str) -> None:
        """The session stops: what it keeps is another's to take from now on."""
        with self._db.write() as conn:
            conn.execute(
                "UPDATE sessions SET ended_us = ? WHERE id = ? AND ended_us IS NULL",
                (now_us(), session),
            )

    def get(self, session: str) -> Session | None:
        rows = self._db.read(f"SELECT {COLUMNS} FROM sessions WHERE id = ?", (session,))
        return session_of(rows[0]) if rows else None

    def is_alive(self, session: str) -> bool:
        """Whether a session still runs (an unknown id is not alive)."""
        found = self.get(session)
        return found is not None and found.alive()

    def of_login(self, login: str) -> list[Session]:
        """Every session of a user, oldest first."""
        rows = self._db.read(
            f"SELECT {COLUMNS} FROM sessions WHERE login = ? ORDER BY since_us", (login,)
        )
        return [session_of(row) for row in rows]


def _values(s: Session) -> tuple[object, ...]:
    return (
        s.id,
        s.login,
        s.host,
        s.pid,
        s.tty,
        s.started,
        s.kind,
        s.since_us,
        s.seen_us,
        s.lease_s,
        s.ended_us,
    )


def session_of(row: Sequence[Any]) -> Session:
    sid, login, host, pid, tty, started, kind, since, seen, lease, ended = row
    return Session(sid, login, host, int(pid), tty, started, kind, since, seen, float(lease), ended)
