"""The shared state of a team: locks, the audit trail and the draft journal in one file."""

from __future__ import annotations

from pathlib import Path

from tui.config.model import Config
from tui.state.audit import Audit
from tui.state.db import Database, default_path
from tui.state.journal import Journal
from tui.state.locks import Locks


class StateStore:
    def __init__(self, path: Path, *, retention_days: int = 0) -> None:
        self.path = Path(path)
        self.db = Database(self.path)
        self.audit = Audit(self.db)
        self.locks = Locks(self.db, self.audit)
        self.journal = Journal(self.db)
        if retention_days > 0:
            self.audit.prune(retention_days)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_state(config: Config) -> StateStore:
    """The state the config names (`[state] path`), or the user's own."""
    if config.state.url:
        from tui.state.errors import StateError

        raise StateError(
            "[state] url: a PostgreSQL state is not available in this version; use [state] path"
        )
    path = config.state.path or default_path()
    return StateStore(path, retention_days=config.state.retention_days)
