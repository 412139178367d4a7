"""Opening the shared state for a command: its errors become one line and exit 2."""

from __future__ import annotations

from tui.commands import UsageError, cli_secret_store
from tui.config import Config
from tui.state import StateError, StateStore, open_state


def open_for(config: Config) -> StateStore:
    try:
        return open_state(config, cli_secret_store())
    except StateError as exc:
        raise UsageError(f"writeback: {exc}") from None
