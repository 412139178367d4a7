"""The audit pane: the shared audit trail, tailed live from every user of the state,
all destinations or only the one being edited."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import RichLog

from tui.state import AuditEntry, StateStore

BACKLOG = 50  # entries shown when the pane (re)fills
_STYLES = {"failed": "red", "conflict": "yellow", "unknown": "yellow"}
_EVENT_STYLES = {"lock": "cyan", "unlock": "cyan", "break": "magenta", "takeover": "magenta"}


class AuditPane(RichLog):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(max_lines=500, wrap=False, markup=False, id=id)
        self.only: str | None = None  # the destination filtered to, or None for all
        self.last_id = 0
        self.border_title = "Audit"
        self.can_focus = True
        self._empty = False  # showing the "no entries yet" line

    def follow(self, state: StateStore) -> None:
        """Show new entries; cheap when nothing happened (one max(id) query)."""
        latest = state.audit.latest_id()
        if latest <= self.last_id:
            return
        entries = state.audit.query(destination=self.only, after_id=self.last_id, limit=200)
        self.add(entries)
        self.last_id = latest

    def refill(self, state: StateStore, only: str | None) -> None:
        """Start over, e.g. when the filter changes: the latest entries that match."""
        self.only = only
        self.clear()
        entries = state.audit.query(destination=only, limit=BACKLOG)
        self.add(entries)
        if not entries:
            self.write(Text("no entries yet: lock events and rows written back show here", "dim"))
            self._empty = True
        self.last_id = state.audit.latest_id()
        scope = f"{only} only" if only else "all destinations"
        self.border_title = f"Audit · {scope}"

    def add(self, entries: Iterable[AuditEntry]) -> None:
        entries = list(entries)
        if entries and self._empty:
            self.clear()
            self._empty = False
        for entry in entries:
            style = _STYLES.get(entry.outcome) or _EVENT_STYLES.get(entry.event, "")
            self.write(Text(entry.line(), style=style))
