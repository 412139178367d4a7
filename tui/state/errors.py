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


class StateUnwritable(StateError):
    """A write to the state failed (disk full, read-only, locked past the busy wait):
    a writeback sends nothing more. The message names the state and the cause."""

    def __init__(self, where: str, cause: str) -> None:
        super().__init__(f"the state at {where} cannot be written: {cause}")
        self.where = where
        self.cause = cause
