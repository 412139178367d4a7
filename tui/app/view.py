"""What the panes show: the destination open, its rows and state in the grid and the
status line, the integrations and destinations listed in the sidebar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.app.panes.status import lock_text
from tui.state import Refused

if TYPE_CHECKING:
    from tui.app.grid import Grid
    from tui.app.loading import Loader
    from tui.app.panes.audit import AuditPane
    from tui.app.panes.destinations import DestinationsPane
    from tui.app.panes.integrations import IntegrationsPane
    from tui.app.panes.status import StatusLine
    from tui.app.workbench import Workbench
    from tui.workspace import Workspace


@dataclass(frozen=True)
class Panes:
    """The widgets that show the workbench (kept by reference: a dialog may be on top)."""

    integrations: IntegrationsPane
    destinations: DestinationsPane
    grid: Grid
    audit: AuditPane
    status: StatusLine


class View:
    def __init__(self, bench: Workbench, panes: Panes, loader: Loader) -> None:
        self.bench = bench
        self.panes = panes
        self.loader = loader
        self.audit_only = False  # audit pane filtered to the open destination

    # ----------------------------------------------------------- panes

    def first_destination(self) -> str | None:
        """The first destination with unsaved work waiting, else the first one."""
        found = self.bench.drafts() or list(self.bench.config.destinations)
        return found[0] if found else None

    def show_panes(self, dest: str | None) -> None:
        config = self.bench.config
        integration = config.destinations[dest].integration if dest else None
        integration = integration or next(iter(config.integrations), None)
        self.panes.integrations.show(list(config.integrations), integration)
        self.show_destinations(integration)

    def show_destinations(self, integration: str | None) -> None:
        bench = self.bench
        dests = [bench.config.destinations[d] for d in bench.destinations_of(integration or "")]
        locks = {lock.destination: lock for lock in bench.state.locks.all()}
        self.panes.destinations.show(integration, dests, locks, bench.current)

    # ----------------------------------------------------------- the open destination

    def open(self, dest: str) -> None:
        bench, panes = self.bench, self.panes
        bench.current = dest
        ws = bench.workspace(dest)
        if panes.destinations.integration != ws.integration.id:
            self.show_panes(dest)
        panes.destinations.mark_current(dest)
        panes.grid.set_table(ws.table, read_only=bench.read_only_reason(ws), reverter=ws.revert)
        idle = dest not in bench.loaded and dest not in bench.unfinished
        if idle and not self.loader.loading(dest):
            self.loader.start(ws)
        if self.audit_only:
            panes.audit.refill(bench.state, dest)
        self.show_state()

    def show_rows(self, ws: Workspace) -> None:
        """Rows arrived or changed outside the grid."""
        if ws is not self.bench.ws:
            return
        grid = self.panes.grid
        if grid.table is not ws.table:
            grid.set_table(ws.table, read_only=self.bench.read_only_reason(ws), reverter=ws.revert)
        else:
            grid.refresh_table()
        self.show_state()

    def show_state(self) -> None:
        """Lock, read-only reason, row and change counts: after every step and every tick."""
        bench, status, loader = self.bench, self.panes.status, self.loader
        ws = bench.ws
        if ws is None:
            status.update(destination="", rows="", changes="", lock="")
            loader.bar.show_text("")
            return
        reason = bench.read_only_reason(ws)
        grid = self.panes.grid
        if grid.read_only != reason:
            grid.read_only = reason
        rows = f"{ws.table.row_count:,} rows"
        if loader.loading(ws.dest.id):
            rows = f"loading, {rows}"
        lock = lock_text(ws.lock_state(), bench.who, reason)
        status.update(destination=ws.dest.id, rows=rows, changes=str(ws.table.counts()), lock=lock)
        # above the grid, so nobody types into a read-only grid without seeing why
        loader.show_progress(ws.dest.id, lock if reason else "")

    # ----------------------------------------------------------- actions

    def toggle_lock(self) -> str:
        """Lock or unlock the open destination; the words to show, or Refused."""
        ws = self.bench.ws
        if ws is None:
            return "open a destination first"
        lock = ws.lock_state()
        if lock is not None and lock.held_by(self.bench.who):
            ws.unlock()
            return f"{ws.dest.id}: unlocked"
        if lock is not None:
            hint = "; an admin may break it (ctrl+p: break lock)" if ws.is_admin else ""
            raise Refused(f"{ws.dest.id}: {lock.describe()}{hint}")
        ws.lock()
        return f"{ws.dest.id}: locked by you"

    def reload(self) -> str | None:
        """Load the open destination again; why not, when it is loading already."""
        ws = self.bench.ws
        if ws is None:
            return None
        if self.loader.loading(ws.dest.id):
            return f"{ws.dest.id} is loading already"
        self.bench.unfinished.pop(ws.dest.id, None)
        self.bench.loaded.discard(ws.dest.id)
        self.loader.start(ws)
        return None

    def config_reloaded(self) -> None:
        """The workbench re-read the config file: panes rebuilt, the destination reopened."""
        current = self.bench.current or self.first_destination()
        self.show_panes(current)
        if current is None:
            self.panes.grid.set_table(None)
            self.show_state()
        elif current != self.bench.current or self.bench.ws is None:
            self.open(current)  # its workspace was dropped: a fresh one loads

    def toggle_audit_filter(self) -> None:
        self.audit_only = not self.audit_only
        only = self.bench.current if self.audit_only else None
        self.panes.audit.refill(self.bench.state, only)
