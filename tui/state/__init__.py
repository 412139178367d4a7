"""Shared state: destination locks, the audit trail, the draft journal, access rules.

The names below load with their modules on first use, so a command that only needs
`tui.state.errors` (every command, to report a state error) does not open the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.state.audit import AuditEntry
    from tui.state.errors import AccessRefused, LockHeld, Refused, StateError
    from tui.state.identity import Identity, current_identity
    from tui.state.locks import Lock
    from tui.state.store import StateStore, open_state

_HOMES = {
    "AuditEntry": "audit",
    "AccessRefused": "errors",
    "LockHeld": "errors",
    "Refused": "errors",
    "StateError": "errors",
    "Identity": "identity",
    "current_identity": "identity",
    "Lock": "locks",
    "StateStore": "store",
    "open_state": "store",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tui.state' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tui.state.{home}"), name)
