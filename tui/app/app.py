"""The writeback app: the panes around the grid, and the wiring between them.

What happens lives in small modules: loading.py (rows), checks.py (integrations),
follow.py (locks and audit of others), writeflow.py (ctrl+s), configure.py (forms),
palette.py (ctrl+p), view.py (what the panes show).
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from tui.app.checks import Checker
from tui.app.configure import Configure
from tui.app.follow import Follower
from tui.app.grid import Grid
from tui.app.keys import APP_BINDINGS
from tui.app.loading import LoadBar, Loader
from tui.app.panes.audit import AuditPane
from tui.app.panes.destinations import DestinationsPane
from tui.app.panes.integrations import IntegrationsPane
from tui.app.panes.status import StatusLine
from tui.app.view import View
from tui.app.workbench import Workbench
from tui.state import Refused


def _palette() -> type:
    from tui.app.palette import WritebackCommands  # imported when ctrl+p is first pressed

    return WritebackCommands


class WritebackApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "writeback"
    BINDINGS = APP_BINDINGS
    COMMANDS = App.COMMANDS | {_palette}

    integrations: IntegrationsPane
    destinations: DestinationsPane
    sidebar: Vertical
    loadbar: LoadBar
    grid: Grid
    audit: AuditPane
    status: StatusLine

    def __init__(self, bench: Workbench, *, check_interval: float = 30.0) -> None:
        super().__init__()
        self.bench = bench
        self.view = View(self)
        self.loader = Loader(self, self.view.show_rows, self.view.offer_draft)
        self.checker = Checker(self, check_interval)
        self.follower = Follower(self)
        self.configure = Configure(self)

    def compose(self) -> ComposeResult:
        # kept by reference: app.query_one() looks in the active screen, a dialog at times
        self.integrations = IntegrationsPane(id="integrations")
        self.destinations = DestinationsPane(self.bench.who, id="destinations")
        self.loadbar = LoadBar(id="loadbar")
        self.grid = Grid(id="grid")
        self.audit = AuditPane(id="audit")
        self.status = StatusLine(id="status")
        with Horizontal(id="main"):
            with Vertical(id="sidebar") as self.sidebar:
                yield self.integrations
                yield self.destinations
            with Vertical(id="centre"):
                yield self.loadbar
                yield self.grid
        yield self.audit
        yield self.status
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_keymap(self.bench.config.keys)
        first = self.view.first_destination()
        self.view.show_panes(first)
        self.audit.refill(self.bench.state, None)
        self.status.update(who=self.bench.who.who)
        self.grid.focus()
        # rows, checks and following start once the first frame is on the screen
        self.call_after_refresh(self._started, first)

    def _started(self, first: str | None) -> None:
        if first:
            self.open(first)
        self.checker.start()
        self.follower.start()

    def on_unmount(self) -> None:
        self.bench.close()

    def on_resize(self) -> None:
        self.view.apply_layout()

    # ----------------------------------------------------------- messages

    def on_integrations_pane_highlighted(self, event: IntegrationsPane.Highlighted) -> None:
        self.view.show_destinations(event.integration)

    def on_destinations_pane_chosen(self, event: DestinationsPane.Chosen) -> None:
        self.open(event.destination)
        self.grid.focus()

    def on_grid_cursor_moved(self, event: Grid.CursorMoved) -> None:
        self.status.update(cell=event.text)

    def on_grid_table_edited(self, event: Grid.TableEdited) -> None:
        if self.bench.ws is not None:
            self.bench.ws.journal()  # every step, so a crash loses nothing
        self.show_state()

    def on_grid_refused(self, event: Grid.Refused) -> None:
        self.notify(event.reason, severity="warning", timeout=4)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # the one place worker failures surface; the footer follows what applies now
        self.refresh_bindings()
        self.show_state()
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(f"{event.worker.name}: {error}", title="failed", severity="error")

    # ----------------------------------------------------------- used by the helpers

    def open(self, dest: str) -> None:
        self.view.open(dest)

    def show_rows(self, ws: object) -> None:
        self.view.show_rows(ws)  # type: ignore[arg-type]

    def show_state(self) -> None:
        self.view.show_state()

    def reload_config(self) -> None:
        self.view.reload_config()

    # ----------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_load":
            return self.screen is self.screen_stack[0] and self.loader.busy
        if action in ("write_back", "toggle_lock", "reload", "audit_filter"):
            return self.bench.ws is not None
        return True

    async def action_quit(self) -> None:
        from tui.app.screens.quit import QuitScreen

        pending = self.bench.pending()
        writing = any(type(s).__name__ == "WritebackScreen" for s in self.screen_stack)
        if not pending and not writing:
            self.exit()
            return
        if not any(isinstance(s, QuitScreen) for s in self.screen_stack):
            self.push_screen(QuitScreen(pending, writing), lambda ok: self.exit() if ok else None)

    def action_help(self) -> None:
        from tui.app.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.view.key_sections(), self.bench.config.keys))

    def action_write_back(self) -> None:
        from tui.app.writeflow import WriteFlow

        if self.bench.ws is not None:
            WriteFlow(self, self.bench.ws).start()

    def action_toggle_lock(self) -> None:
        try:
            self.notify(self.view.toggle_lock(), timeout=3)
        except Refused as exc:
            self.notify(str(exc), severity="warning")
        self.follower.tick()

    def break_lock(self) -> None:
        self.view.break_lock()

    def discard_changes(self) -> None:
        self.view.discard_changes()

    def action_reload(self) -> None:
        self.view.reload()

    def action_cancel_load(self) -> None:
        self.loader.cancel()

    def action_toggle_sidebar(self) -> None:
        self.view.toggle("sidebar")

    def action_toggle_audit(self) -> None:
        self.view.toggle("audit")

    def action_audit_filter(self) -> None:
        self.view.toggle_audit_filter()
