"""Refusals from the shared state, each a one-line reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.state.locks import Lock


class Refused(Exception):
    """An action the state will not allow; the message says why in words."""


class LockHeld(Refused):
    """Someone else holds the destination's lock."""

    def __init__(self, lock: Lock) -> None:
        super().__init__(lock.describe())
        self.lock = lock


class AccessRefused(Refused):
    """The OS user is not allowed to do this on a secure destination."""


class StateError(Exception):
    """The state store cannot be opened or used (path, permissions, a newer schema)."""
