"""Following what others do: locks and audit entries, read from the shared state about
twice a second (cheap SQLite reads), and the heartbeat that keeps a manual lock alive.
The app runs `tick` and `heartbeat` on its timers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app.panes.audit import AuditPane
    from tui.app.panes.destinations import DestinationsPane
    from tui.app.workbench import Workbench

FOLLOW_S = 0.5
HEARTBEAT_S = 10.0  # lock_ttl is at least 30 s: a third of it or less


class Follower:
    def __init__(
        self,
        bench: Workbench,
        destinations: DestinationsPane,
        audit: AuditPane,
        show_state: Callable[[], None],
    ) -> None:
        self.bench = bench
        self.destinations = destinations
        self.audit = audit
        self.show_state = show_state  # the status line and the grid's read-only reason

    def tick(self) -> None:
        state = self.bench.state
        self.destinations.update_locks({lock.destination: lock for lock in state.locks.all()})
        self.show_state()
        self.audit.follow(state)

    def heartbeat(self) -> None:
        """Renew the manual locks this user holds on destinations open here."""
        bench = self.bench
        for ws in bench.workspaces.values():
            lock = ws.lock_state()
            if lock is not None and lock.manual and lock.held_by(bench.who):
                ws.renew()
