"""The draft journal: each user's unsaved change set per destination, so a crash or a
dropped SSH session loses nothing (the rows of a writeback under way: state.intents).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tui.state.db import Conn, Database, now_us


@dataclass(frozen=True)
class Draft:
    snapshot: dict[str, Any]
    saved_us: int


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
        if not rows:
            return None
        return Draft(json.loads(rows[0][0]), rows[0][1])

    def discard_in(self, conn: Conn, login: str, destination: str) -> None:
        """Forget the draft, inside the caller's transaction."""
        _clear(conn, login, destination)


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
    conn.execute("DELETE FROM drafts WHERE login = ? AND destination = ?", (login, destination))


def _has_changes(snapshot: dict[str, Any]) -> bool:
    return any(snapshot.get(part) for part in ("updates", "inserts", "deletes"))
