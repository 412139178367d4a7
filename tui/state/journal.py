"""The draft journal: each user's unsaved change set per destination, and the rows
of a writeback under way, so a crash or a dropped SSH session loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tui.state.db import Conn, Database, now_us


@dataclass(frozen=True)
class Draft:
    snapshot: dict[str, Any]
    saved_us: int
    # rows of a writeback that never finished: ident (JSON text) -> outcome or None
    inflight: dict[str, str | None] = field(default_factory=dict)
    # the same rows: ident -> (writeback id, op)
    sent: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def unknown(self) -> list[str]:
        """Rows sent when the process died, with no outcome recorded: never re-send blindly."""
        return [ident for ident, outcome in self.inflight.items() if outcome is None]

    @property
    def done(self) -> list[str]:
        return [ident for ident, outcome in self.inflight.items() if outcome == "done"]


def ident_text(ident: dict[str, Any]) -> str:
    """A row's journal name as stable text (the key in sorted order)."""
    return json.dumps(ident, sort_keys=True, default=str)


class Journal:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, login: str, destination: str, snapshot: dict[str, Any]) -> None:
        """Record the change set as it stands; an empty one clears the draft."""
        with self._db.write() as conn:
            _save(conn, login, destination, snapshot)

    def save_in(self, conn: Conn, login: str, destination: str, snapshot: dict[str, Any]) -> None:
        """`save` inside the caller's transaction (with the audit entries it settles)."""
        _save(conn, login, destination, snapshot)

    def load(self, login: str, destination: str) -> Draft | None:
        rows = self._db.read(
            "SELECT snapshot, saved_us FROM drafts WHERE login = ? AND destination = ?",
            (login, destination),
        )
        sent = self._db.read(
            "SELECT ident, outcome, writeback_id, op FROM inflight"
            " WHERE login = ? AND destination = ?",
            (login, destination),
        )
        if not rows and not sent:
            return None
        snapshot = json.loads(rows[0][0]) if rows else {}
        inflight = {ident: outcome for ident, outcome, _w, _o in sent}
        ops = {ident: (writeback, op) for ident, _s, writeback, op in sent}
        return Draft(snapshot, rows[0][1] if rows else 0, inflight, ops)

    def discard_in(self, conn: Conn, login: str, destination: str) -> None:
        """Forget the draft, inside the caller's transaction."""
        _clear(conn, login, destination)

    def begin(
        self,
        login: str,
        destination: str,
        writeback_id: str,
        snapshot: dict[str, Any],
        rows: Iterable[tuple[str, str]],
    ) -> None:
        """Before sending: the change set and the rows (ident text, op) about to go out."""
        with self._db.write() as conn:
            _save(conn, login, destination, snapshot)
            conn.execute(
                "DELETE FROM inflight WHERE login = ? AND destination = ?", (login, destination)
            )
            conn.executemany(
                "INSERT INTO inflight VALUES (?, ?, ?, ?, ?, NULL)"
                " ON CONFLICT (login, destination, ident) DO UPDATE SET"
                " writeback_id = excluded.writeback_id, op = excluded.op, outcome = NULL",
                [(login, destination, writeback_id, ident, op) for ident, op in rows],
            )

    def outcome(self, conn: Conn, login: str, destination: str, ident: str, outcome: str) -> None:
        """A row's outcome, inside the transaction that audits it."""
        conn.execute(
            "UPDATE inflight SET outcome = ? WHERE login = ? AND destination = ? AND ident = ?",
            (outcome, login, destination, ident),
        )

    def finish(self, login: str, destination: str, snapshot: dict[str, Any]) -> None:
        """After the writeback: the change set that is still pending, and no rows in flight."""
        with self._db.write() as conn:
            self.finish_in(conn, login, destination, snapshot)

    def finish_in(self, conn: Conn, login: str, destination: str, snapshot: dict[str, Any]) -> None:
        """`finish` inside the caller's transaction (with the audit entries it settles)."""
        conn.execute(
            "DELETE FROM inflight WHERE login = ? AND destination = ?", (login, destination)
        )
        _save(conn, login, destination, snapshot)


def _save(conn: Conn, login: str, destination: str, snapshot: dict[str, Any]) -> None:
    if not _has_changes(snapshot):
        conn.execute("DELETE FROM drafts WHERE login = ? AND destination = ?", (login, destination))
        return
    conn.execute(
        "INSERT INTO drafts VALUES (?, ?, ?, ?) ON CONFLICT (login, destination)"
        " DO UPDATE SET saved_us = excluded.saved_us, snapshot = excluded.snapshot",
        (login, destination, now_us(), json.dumps(snapshot, default=str)),
    )


def _clear(conn: Conn, login: str, destination: str) -> None:
    for table in ("drafts", "inflight"):
        conn.execute(
            f"DELETE FROM {table} WHERE login = ? AND destination = ?", (login, destination)
        )


def _has_changes(snapshot: dict[str, Any]) -> bool:
    return any(snapshot.get(part) for part in ("updates", "inserts", "deletes"))
