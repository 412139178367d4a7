"""Following what others do: locks and audit entries, read from the shared state about
twice a second (cheap SQLite reads), and the heartbeat that keeps a manual lock alive."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app.app import WritebackApp

FOLLOW_S = 0.5
HEARTBEAT_S = 10.0  # lock_ttl is at least 30 s: a third of it or less


class Follower:
    def __init__(self, app: WritebackApp) -> None:
        self.app = app

    def start(self) -> None:
        self.app.set_interval(FOLLOW_S, self.tick, name="follow state")
        self.app.set_interval(HEARTBEAT_S, self.heartbeat, name="lock heartbeat")

    def tick(self) -> None:
        bench = self.app.bench
        locks = {lock.destination: lock for lock in bench.state.locks.all()}
        self.app.destinations.update_locks(locks)
        self.app.show_state()
        self.app.audit.follow(bench.state)

    def heartbeat(self) -> None:
        """Renew the manual locks this user holds on destinations open here."""
        bench = self.app.bench
        for ws in bench.workspaces.values():
            lock = ws.lock_state()
            if lock is not None and lock.manual and lock.held_by(bench.who):
                ws.renew()
