"""The shared state of a team: locks, the audit trail, the draft journal and the intents.

In one SQLite file (`[state] path`), or in a PostgreSQL database (`[state] url`)
for teams on several hosts; the same code runs on both.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from tui.config.model import Config
from tui.state.audit import Audit
from tui.state.db import Database, Feed, default_path, is_url, open_database
from tui.state.draftlog import Compactor
from tui.state.identity import Identity
from tui.state.intents import Intents
from tui.state.journal import Journal
from tui.state.locks import Locks
from tui.state.sessions import Session, SessionKind, Sessions

if TYPE_CHECKING:
    from tui.secrets import SecretStore


class StateStore:
    """`target`: a SQLite file's path, or a postgresql:// URL (its password apart)."""

    def __init__(
        self,
        target: Path | str,
        *,
        password: str | None = None,
        retention_days: int = 0,
        migrate: bool = True,
    ) -> None:
        self.url = str(target) if is_url(target) else None
        self.path = None if self.url else Path(target)
        self.db = open_database(self.url or Path(target), password=password, migrate=migrate)
        self._password = password
        self.audit = Audit(self.db)
        self.locks = Locks(self.db, self.audit)
        self.journal = Journal(self.db)
        self.sessions = Sessions(self.db)
        self.session: Session | None = None  # this process's, once started
        self.compactor = Compactor(self.open_another)
        self.intents = Intents(self.db)
        self._feed: Feed | None = None
        self._feed_lock = threading.Lock()
        if retention_days > 0 and migrate:
            self.audit.prune(retention_days)

    @property
    def where(self) -> str:
        """The file, or the URL (no password), for messages."""
        return self.db.where

    def start_session(self, who: Identity, kind: SessionKind = "app") -> Session:
        """Register this process as a session; the draft journal writes its drafts."""
        self.session = self.sessions.register(who, kind)
        self.journal.bind(who.login, self.session.id)
        return self.session

    def end_session(self) -> None:
        """A clean exit: the session's drafts are free to be taken over."""
        if self.session is not None:
            self.journal.settle()
            self.compactor.wait()
            self.sessions.end(self.session.id)

    def open_another(self) -> Database:
        """Another connection to the same state, for a thread of its own."""
        return open_database(
            self.url or Path(str(self.path)), password=self._password, migrate=False
        )

    def wait_for_change(self, timeout: float) -> bool:
        """Block until the audit trail or the locks change, or `timeout` seconds pass.

        Returns whether something changed. The first call starts watching and
        returns True at once: what happened before it cannot be told, so look.
        SQLite is polled every 0.1 s; PostgreSQL pushes a notification at commit.
        """
        with self._feed_lock:
            if self._feed is None:
                self._feed = self.db.feed()
                return True
            feed = self._feed
        return feed.wait(timeout)

    def close(self) -> None:
        self.journal.settle()
        with self._feed_lock:
            if self._feed is not None:
                self._feed.close()
                self._feed = None
        self.db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_state(
    config: Config, secrets: SecretStore | None = None, *, migrate: bool = True
) -> StateStore:
    """The state the config names: `[state] url` (PostgreSQL), `path`, or the user's own."""
    state = config.state
    if state.url:
        password = None
        if state.password is not None:
            from tui.secrets import SecretStore

            password = (secrets or SecretStore()).resolve(state.password)
        return StateStore(
            state.url, password=password, retention_days=state.retention_days, migrate=migrate
        )
    path = state.path or default_path()
    return StateStore(path, retention_days=state.retention_days, migrate=migrate)
