"""The writeback app: the panes around the grid, and the wiring between them.

What happens lives in small modules, each given only the widgets and callables
it uses: loading.py (rows), checks.py (integrations), follow.py (locks and audit
of others), writeflow.py (ctrl+s), configure.py (forms), confirm.py (questions),
layout.py (which panes show), view.py (what the panes show), palette.py (ctrl+p).
Panes post messages up (requests.py); the handlers here route them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.worker import Worker, WorkerState

from tui.app import requests
from tui.app.checks import Checker
from tui.app.configure import Configure
from tui.app.confirm import Confirm
from tui.app.follow import FOLLOW_S, HEARTBEAT_S, Follower
from tui.app.grid import Grid
from tui.app.grid.bindings import GRID_BINDINGS
from tui.app.keys import APP_BINDINGS
from tui.app.layout import PaneLayout
from tui.app.loading import LoadBar, Loader
from tui.app.panes.audit import AuditPane
from tui.app.panes.destinations import DestinationsPane
from tui.app.panes.integrations import IntegrationsPane
from tui.app.panes.status import StatusLine
from tui.app.view import Panes, View
from tui.app.workbench import Workbench
from tui.state import Refused

if TYPE_CHECKING:
    from tui.workspace import Workspace


def _palette() -> type:
    from tui.app.palette import WritebackCommands  # imported when ctrl+p is first pressed

    return WritebackCommands


class WritebackApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "writeback"
    BINDINGS: ClassVar[list[BindingType]] = list(APP_BINDINGS)
    COMMANDS = App.COMMANDS | {_palette}

    # widgets, kept by reference: app.query_one() looks in the active screen, a dialog at times
    integrations: IntegrationsPane
    destinations: DestinationsPane
    sidebar: Vertical
    loadbar: LoadBar
    grid: Grid
    audit: AuditPane
    status: StatusLine
    # helpers, made with the widgets they use
    loader: Loader
    view: View
    panes_layout: PaneLayout
    confirm: Confirm
    checker: Checker
    follower: Follower
    configure: Configure

    def __init__(self, bench: Workbench, *, check_interval: float = 30.0) -> None:
        super().__init__()
        self.bench = bench
        self.check_interval = check_interval

    def compose(self) -> ComposeResult:
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
        yield Vertical(id="keys-line")  # the footer's line, filled once the first frame is up
        self._make_helpers()

    def _make_helpers(self) -> None:
        bench = self.bench
        self.follower = Follower(bench, self.destinations, self.audit, self.show_state)
        self.confirm = Confirm(
            bench, push=self.push_screen, notify=self.notify, show_rows=self.show_rows,
            locks_changed=self.follower.tick,
        )  # fmt: skip
        self.loader = Loader(
            bench, self.loadbar, run_worker=self.run_worker, notify=self.notify,
            ask_secret=self._ask_secret, on_rows=self.show_rows, on_done=self.confirm.offer_draft,
        )  # fmt: skip
        panes = Panes(self.integrations, self.destinations, self.grid, self.audit, self.status)
        self.view = View(bench, panes, self.loader)
        self.panes_layout = PaneLayout(
            self.sidebar, self.audit, self.grid, lambda: self.size, lambda: self.focused
        )
        self.checker = Checker(bench, self.integrations, self.run_worker)
        self.configure = Configure(bench, self.push_screen, self.reload_config)

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
        from textual.widgets import Footer  # a widget per key: mounted after the first frame

        self.query_one("#keys-line").mount(Footer(compact=True))
        if first:
            self.open(first)
        self.checker.run_all()
        if self.check_interval > 0:
            self.set_interval(self.check_interval, self.checker.run_all, name="check integrations")
        self.set_interval(FOLLOW_S, self.follower.tick, name="follow state")
        self.set_interval(HEARTBEAT_S, self.follower.heartbeat, name="lock heartbeat")

    def on_unmount(self) -> None:
        self.bench.close()

    def on_resize(self) -> None:
        self.panes_layout.apply()

    async def _ask_secret(self, label: str, why: str) -> str | None:
        from tui.app.screens.secret import SecretScreen

        return await self.push_screen_wait(SecretScreen(label, why))

    # ----------------------------------------------------------- messages

    def on_integrations_pane_highlighted(self, event: IntegrationsPane.Highlighted) -> None:
        self.view.show_destinations(event.integration)

    def on_integrations_pane_chosen(self, event: IntegrationsPane.Chosen) -> None:
        self.destinations.options.focus()  # enter moves on to the integration's destinations

    def on_destinations_pane_chosen(self, event: DestinationsPane.Chosen) -> None:
        self.open(event.destination)
        self.grid.focus()

    def on_config_add_integration(self, event: requests.AddIntegration) -> None:
        self.configure.add_integration()

    def on_config_edit_integration(self, event: requests.EditIntegration) -> None:
        self.configure.edit_integration(event.integration)

    def on_config_add_destination(self, event: requests.AddDestination) -> None:
        self.configure.add_destination(event.integration)

    def on_config_edit_destination(self, event: requests.EditDestination) -> None:
        self.configure.edit_destination(event.destination)

    def on_config_remove_entry(self, event: requests.RemoveEntry) -> None:
        self.configure.remove(event.section, event.ident)

    def on_config_check_integrations(self, event: requests.CheckIntegrations) -> None:
        self.checker.run_all()

    def on_grid_cursor_moved(self, event: Grid.CursorMoved) -> None:
        self.status.update(cell=event.text)

    def on_grid_table_edited(self, event: Grid.TableEdited) -> None:
        if self.bench.ws is not None:
            self.bench.ws.journal()  # every step, so a crash loses nothing
        self.show_state()

    def on_grid_edit_declined(self, event: Grid.EditDeclined) -> None:
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

    def show_rows(self, ws: Workspace) -> None:
        self.view.show_rows(ws)

    def show_state(self) -> None:
        self.view.show_state()

    def reload_config(self) -> None:
        """After a form saved the file: re-read it, rebuild the panes, check again."""
        dropped = self.bench.reload_config()
        self.confirm.config_reloaded(dropped)  # their drafts are offered again
        self.set_keymap(self.bench.config.keys)
        self.view.config_reloaded()
        self.checker.run_all()

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

        self.push_screen(HelpScreen(key_sections(), self.bench.config.keys))

    def action_write_back(self) -> None:
        from tui.app.writeflow import WriteFlow

        ws = self.bench.ws
        if ws is not None:
            WriteFlow(
                self.bench, ws, push=self.push_screen, notify=self.notify,
                show_rows=self.show_rows, reload=self.action_reload,
            ).start()  # fmt: skip

    def action_toggle_lock(self) -> None:
        try:
            self.notify(self.view.toggle_lock(), timeout=3)
        except Refused as exc:
            self.notify(str(exc), severity="warning")
        self.follower.tick()

    def break_lock(self) -> None:
        self.confirm.break_lock()

    def discard_changes(self) -> None:
        self.confirm.discard_changes()

    def action_reload(self) -> None:
        busy = self.view.reload()
        if busy:
            self.notify(busy, timeout=2)

    def action_cancel_load(self) -> None:
        self.loader.cancel()

    def action_toggle_sidebar(self) -> None:
        self.panes_layout.toggle("sidebar")

    def action_toggle_audit(self) -> None:
        self.panes_layout.toggle("audit")

    def action_audit_filter(self) -> None:
        self.view.toggle_audit_filter()
        if not self.panes_layout.shown("audit"):
            self.panes_layout.toggle("audit")


def key_sections() -> list[tuple[str, list[Binding]]]:
    """The keys by where they work, for the help screen."""
    return [
        ("Everywhere", APP_BINDINGS),
        ("Integrations pane", _bindings(IntegrationsPane.BINDINGS)),
        ("Destinations pane", _bindings(DestinationsPane.BINDINGS)),
        ("Grid", GRID_BINDINGS),
    ]


def _bindings(found: list[BindingType]) -> list[Binding]:
    return [b for b in found if isinstance(b, Binding)]  # ours are all Bindings
