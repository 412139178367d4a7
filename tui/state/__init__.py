"""Shared state: destination locks, the audit trail, the draft journal, access rules."""

from tui.state.audit import AuditEntry
from tui.state.errors import AccessRefused, LockHeld, Refused, StateError
from tui.state.identity import Identity, current_identity
from tui.state.locks import Lock
from tui.state.store import StateStore, open_state

__all__ = [
    "AccessRefused",
    "AuditEntry",
    "Identity",
    "Lock",
    "LockHeld",
    "Refused",
    "StateError",
    "StateStore",
    "current_identity",
    "open_state",
]
