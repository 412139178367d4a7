"""The draft journal: each session's unsaved change set per destination, so a crash or a
dropped SSH session loses nothing (the rows of a writeback under way: state.intents).
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.state.db import Conn, Database, now_us
from tui.state.draftlog import read_draft
from tui.state.errors import StateError
from tui.state.sessions import COLUMNS as _SESSION_BARE
from tui.state.sessions import Session, session_of

_SESSION_COLUMNS = ", ".join(f"s.{c}" for c in _SESSION_BARE.split(", "))


@dataclass(frozen=True)
class Draft:
    snapshot: dict[str, Any]
    saved_us: int


def ident_text(ident: dict[str, Any]) -> str:
    """A row's journal name as stable text (the key in sorted order)."""
    return json.dumps(ident, sort_keys=True, default=str)


@dataclass(frozen=True)
class OtherDraft:
    """A draft of another session of the same user on a destination."""

    session: Session
    saved_us: int
    alive: bool


class Journal:
    """Each session's draft per destination: a snapshot, and the edit steps appended after
    it (`append`, at the cost of the step), folded into a new snapshot now and then
    (`compact`, off the thread that edits). A session reads and writes its own draft;
    another's only once that session is gone, by taking it over."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._bound: dict[str, str] = {}  # login -> the session whose drafts its calls mean
        # Steps written later, by a thread of their own, in order. A draft saved whole
        # (or discarded) bumps its generation: steps queued before it are in it already.
        self._generation: dict[tuple[str, str], int] = {}
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._lost: set[tuple[str, str]] = set()  # a step could not be written: save whole

    def bind(self, login: str, session: str) -> None:
        self._bound[login] = session

    def session_of(self, login: str) -> str | None:
        return self._bound.get(login)

    def _own(self, login: str) -> str:
        session = self._bound.get(login)
        if session is None:
            raise StateError("no session: the draft journal is written by a registered session")
        return session

    def save(self, login: str, destination: str, snapshot: dict[str, Any]) -> None:
        """Record the change set as it stands, whole; an empty one clears the draft."""
        self._whole(login, destination)
        with self._db.write() as conn:
            _save(conn, self._own(login), login, destination, snapshot)

    def save_in(self, conn: Conn, login: str, destination: str, snapshot: dict[str, Any]) -> None:
        """`save` inside the caller's transaction (with the audit entries it settles)."""
        self._whole(login, destination)
        _save(conn, self._own(login), login, destination, snapshot)

    def append_later(self, login: str, destination: str, encode: Callable[[], list[Any]]) -> None:
        """`append(encode())` on the journal's own thread, after the steps queued before;
        for a big step, so that the thread editing goes on at once."""
        job = _Job(
            self._generation.get((login, destination), 0),
            self._own(login),
            login,
            destination,
            encode,
        )
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="draft-steps", daemon=True)
            self._worker.start()
        self._jobs.put(job)

    def appending(self) -> bool:
        """Whether steps wait to be written (a step appended now must queue behind them)."""
        return self._jobs.unfinished_tasks > 0

    def settle(self) -> None:
        """Until the steps queued are written."""
        if self._worker is not None:
            self._jobs.join()

    def lost(self, login: str, destination: str) -> bool:
        """Whether a queued step could not be written; then the draft is saved whole."""
        return (login, destination) in self._lost

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            where = (job.login, job.destination)
            try:
                if self._generation.get(where, 0) != job.generation:
                    continue
                text = json.dumps(job.encode(), separators=(",", ":"), default=str)
                with self._db.write() as conn:  # after any whole save under way, never within
                    if self._generation.get(where, 0) == job.generation:
                        conn.execute(
                            "INSERT INTO draft_steps (session, destination, at_us, step)"
                            " VALUES (?, ?, ?, ?)",
                            (job.session, job.destination, now_us(), text),
                        )
            except Exception:  # noqa: BLE001 - the state failed: the next save writes it whole
                self._lost.add(where)
            finally:
                self._jobs.task_done()

    def _whole(self, login: str, destination: str) -> None:
        """The draft is written whole from here: steps still queued are in it."""
        where = (login, destination)
        self._generation[where] = self._generation.get(where, 0) + 1
        self._lost.discard(where)

    def append(self, login: str, destination: str, step: list[Any]) -> int:
        """One edit step (tui.table's take_steps) after the draft; returns the bytes written."""
        text = json.dumps(step, separators=(",", ":"), default=str)
        with self._db.write() as conn:
            conn.execute(
                "INSERT INTO draft_steps (session, destination, at_us, step) VALUES (?, ?, ?, ?)",
                (self._own(login), destination, now_us(), text),
            )
        return len(text)

    def load(self, login: str, destination: str) -> Draft | None:
        """This session's draft (its queued steps written first)."""
        self.settle()
        return self._draft(self._bound.get(login), destination)

    def load_of(self, session: str, login: str, destination: str) -> Draft | None:
        """Another session's draft (to offer it back)."""
        return self._draft(session, destination)

    def _draft(self, session: str | None, destination: str) -> Draft | None:
        found = read_draft(self._db, session, destination) if session else None
        if found is None:
            return None
        snapshot, saved_us = found
        return Draft(snapshot, saved_us)

    def others(self, login: str, destination: str) -> list[OtherDraft]:
        """Drafts of this user's other sessions on a destination, oldest first."""
        rows = self._db.read(
            f"SELECT {_SESSION_COLUMNS}, MAX(d.saved_us) FROM sessions s"
            " JOIN (SELECT session, saved_us FROM session_drafts WHERE destination = ?"
            " UNION ALL SELECT session, MAX(at_us) FROM draft_steps WHERE destination = ?"
            " GROUP BY session) d ON d.session = s.id"
            f" WHERE s.login = ? AND s.id <> ? GROUP BY {_SESSION_COLUMNS} ORDER BY s.since_us",
            (destination, destination, login, self._bound.get(login, "")),
        )
        now = now_us()
        out = []
        for row in rows:
            session = session_of(row[:-1])
            out.append(OtherDraft(session, int(row[-1]), session.alive(now)))
        return out

    def take_over(self, login: str, session: str, destination: str) -> bool:
        """Make a gone session's draft this session's own; False while it still runs, or
        when this session has a draft there already (drafts are never merged)."""
        me = self._own(login)
        with self._db.write() as conn:
            row = conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions s WHERE s.id = ?", (session,)
            ).fetchone()
            if row is None or session_of(row).alive():
                return False
            mine = conn.execute(
                "SELECT 1 FROM session_drafts WHERE session = ? AND destination = ?"
                " UNION ALL SELECT 1 FROM draft_steps WHERE session = ? AND destination = ?",
                (me, destination, me, destination),
            ).fetchone()
            if mine is not None:
                return False
            for table in ("session_drafts", "draft_steps"):
                conn.execute(
                    f"UPDATE {table} SET session = ? WHERE session = ? AND destination = ?",
                    (me, session, destination),
                )
        return True

    def discard_in(
        self, conn: Conn, login: str, destination: str, session: str | None = None
    ) -> None:
        """Forget this session's draft (or a gone one's being offered), inside the caller's
        transaction."""
        if session is None:
            self._whole(login, destination)
        _clear(conn, session or self._own(login), destination)


@dataclass(frozen=True)
class _Job:
    generation: int
    session: str
    login: str
    destination: str
    encode: Callable[[], list[Any]]


def _save(conn: Conn, session: str, login: str, destination: str, snapshot: dict[str, Any]) -> None:
    """The draft as a whole: the steps before it are in it."""
    conn.execute(
        "DELETE FROM draft_steps WHERE session = ? AND destination = ?", (session, destination)
    )
    if not _has_changes(snapshot):
        conn.execute(
            "DELETE FROM session_drafts WHERE session = ? AND destination = ?",
            (session, destination),
        )
        return
    conn.execute(
        "INSERT INTO session_drafts (session, destination, login, upto, saved_us, snapshot)"
        " VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (session, destination) DO UPDATE SET"
        " upto = 0, saved_us = excluded.saved_us, snapshot = excluded.snapshot",
        (session, destination, login, now_us(), json.dumps(snapshot, default=str)),
    )


def _clear(conn: Conn, session: str, destination: str) -> None:
    for table in ("session_drafts", "draft_steps"):
        conn.execute(
            f"DELETE FROM {table} WHERE session = ? AND destination = ?", (session, destination)
        )


def _has_changes(snapshot: dict[str, Any]) -> bool:
    return any(snapshot.get(part) for part in ("updates", "inserts", "deletes"))
