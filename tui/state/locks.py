"""Destination locks: leases that expire unless renewed, taken and given back atomically.

A manual lock belongs to the user (any of their processes may work under it);
an automatic lock, taken around a writeback, belongs to one process.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from tui.state.audit import Audit, AuditEntry
from tui.state.db import Conn, Database, now_us
from tui.state.errors import LockHeld, Refused
from tui.state.identity import Identity
from tui.state.liveness import gone, start_token

_COLUMNS = "destination, login, host, pid, owner, manual, ttl_s, since_us, expires_us, started"
POLL_S = 0.05
_UPDATE_ALL = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.split(", ")[1:])

# What the audit trail says happened to a lock.
LockEvent = Literal["lock", "unlock", "break", "takeover"]


@dataclass(frozen=True)
class Lock:
    destination: str
    login: str
    host: str
    pid: int
    owner: str
    manual: bool
    ttl: float
    since_us: int
    expires_us: int
    started: str | None = None  # the holder process's start token (liveness.start_token)

    @property
    def since(self) -> datetime:
        return datetime.fromtimestamp(self.since_us / 1e6, UTC)

    @property
    def expires(self) -> datetime:
        return datetime.fromtimestamp(self.expires_us / 1e6, UTC)

    def describe(self) -> str:
        """ "locked by bob@host since 10:32" (local time of this machine)."""
        since = self.since.astimezone().strftime("%H:%M")
        return f"locked by {self.login}@{self.host} since {since}"

    def held_by(self, who: Identity) -> bool:
        """Whether `who` may act under this lock."""
        if self.manual:
            return self.login == who.login
        return self.owner == who.owner

    def orphaned(self) -> bool:
        """An automatic lock whose process, on this host, has ended (killed, crashed).

        A manual lock is the user's, not a process's: `writeback lock` exits at once.
        Another host's processes cannot be seen from here, nor those of another machine
        of the same name or a container with pids of its own (its start token is not of
        this machine): their leases run out.
        """
        return (
            not self.manual and self.host == socket.gethostname() and gone(self.pid, self.started)
        )

    def live(self, now: int) -> bool:
        return self.expires_us > now and not self.orphaned()


class Locks:
    def __init__(self, db: Database, audit: Audit) -> None:
        self._db = db
        self._audit = audit

    def get(self, destination: str) -> Lock | None:
        """The live lock on a destination, or None when free or expired."""
        rows = self._db.read(f"SELECT {_COLUMNS} FROM locks WHERE destination = ?", (destination,))
        lock = _lock(rows[0]) if rows else None
        return lock if lock and lock.live(now_us()) else None

    def all(self) -> list[Lock]:
        now = now_us()
        rows = self._db.read(
            f"SELECT {_COLUMNS} FROM locks WHERE expires_us > ? ORDER BY destination", (now,)
        )
        return [lock for lock in map(_lock, rows) if lock.live(now)]

    def acquire(
        self,
        destination: str,
        who: Identity,
        ttl: float,
        *,
        manual: bool = False,
        wait: float = 0.0,
        integration: str | None = None,
    ) -> tuple[Lock, bool]:
        """Take the lock, waiting up to `wait` seconds; returns it and whether it is new.

        Not new means `who` already held it (e.g. a writeback under the user's
        manual lock): the caller must not release what it did not take.
        """
        deadline = time.monotonic() + wait
        while True:
            try:
                return self._try_acquire(destination, who, ttl, manual, integration)
            except LockHeld:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(POLL_S)

    def _try_acquire(
        self, destination: str, who: Identity, ttl: float, manual: bool, integration: str | None
    ) -> tuple[Lock, bool]:
        with self._db.write(_key(destination)) as conn:
            now = now_us()
            current = _current(conn, destination)
            live = current if current and current.live(now) else None
            if live and not live.held_by(who):
                raise LockHeld(live)
            if live and (live.manual or not manual):
                lock = _renewed(live, now)
                _save(conn, lock)
                return lock, False
            lock = Lock(
                destination,
                who.login,
                who.host,
                who.pid,
                who.login if manual else who.owner,
                manual,
                ttl,
                live.since_us if live else now,
                now + int(ttl * 1e6),
                None if manual else _token(who),
            )
            _save(conn, lock)
            if current and not live:
                before = {**_holder(current), "ended": _ended(current, now)}
                self._event(conn, who, lock, "takeover", integration, before)
            self._event(conn, who, lock, "lock", integration)
            return lock, True

    def renew(self, destination: str, who: Identity) -> Lock | None:
        """Push the expiry of a lock `who` holds; None when it is no longer theirs."""
        with self._db.write(_key(destination)) as conn:
            now = now_us()
            current = _current(conn, destination)
            if not current or not current.live(now) or not current.held_by(who):
                return None
            lock = _renewed(current, now)
            _save(conn, lock)
            return lock

    def release(
        self,
        destination: str,
        who: Identity,
        *,
        force: bool = False,
        integration: str | None = None,
    ) -> bool:
        """Give the lock back; `force` breaks another's (the caller checked the right to)."""
        with self._db.write(_key(destination)) as conn:
            current = _current(conn, destination)
            if current is None or not current.live(now_us()):
                conn.execute("DELETE FROM locks WHERE destination = ?", (destination,))
                return False
            if not current.held_by(who) and not force:
                raise LockHeld(current)
            conn.execute("DELETE FROM locks WHERE destination = ?", (destination,))
            event: LockEvent = "unlock" if current.held_by(who) else "break"
            self._event(conn, who, current, event, integration, _holder(current))
            return True

    def _event(
        self,
        conn: Conn,
        who: Identity,
        lock: Lock,
        event: LockEvent,
        integration: str | None,
        before: dict[str, object] | None = None,
    ) -> None:
        after = _holder(lock) if event in ("lock", "takeover") else None
        self._audit.add(
            conn,
            AuditEntry.now(who, lock.destination, event, integration=integration).but(
                before=before, after=after, outcome="done"
            ),
        )


def _key(destination: str) -> str:
    """Changes of one destination's lease run one after the other (Database.write)."""
    return f"lock {destination}"


def _current(conn: Conn, destination: str) -> Lock | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM locks WHERE destination = ? FOR UPDATE", (destination,)
    ).fetchone()
    return _lock(row) if row else None


def _save(conn: Conn, lock: Lock) -> None:
    conn.execute(
        f"INSERT INTO locks ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (destination) DO UPDATE SET " + _UPDATE_ALL,
        (
            lock.destination,
            lock.login,
            lock.host,
            lock.pid,
            lock.owner,
            int(lock.manual),
            lock.ttl,
            lock.since_us,
            lock.expires_us,
            lock.started,
        ),
    )


def _renewed(lock: Lock, now: int) -> Lock:
    return replace(lock, expires_us=now + int(lock.ttl * 1e6))


def _lock(row: Sequence[Any]) -> Lock:
    dest, login, host, pid, owner, manual, ttl, since, expires, started = row
    return Lock(dest, login, host, pid, owner, bool(manual), ttl, since, expires, started)


def _token(who: Identity) -> str | None:
    """The start token of the process taking an automatic lock, where this host can read it."""
    return start_token(who.pid) if who.host == socket.gethostname() else None


def _ended(lock: Lock, now: int) -> str:
    """Why a lock was free to take over, for its audit entry."""
    if lock.expires_us <= now:
        return "lease expired"
    return f"process {lock.pid} on {lock.host} ended"


def _holder(lock: Lock) -> dict[str, object]:
    return {
        "holder": f"{lock.login}@{lock.host}",
        "pid": lock.pid,
        "manual": lock.manual,
        "expires": lock.expires.isoformat(timespec="seconds"),
    }


__all__ = ["Lock", "LockHeld", "Locks", "Refused"]
