"""The writeback app: the panes around the grid, what they show of the workbench, and
the wiring between them.

The session (tui.workspace.workbench) holds what is worked on and decides; this shows
it.  Beside it, each with only the widgets and callables it uses: loading.py (rows, in
a worker), confirm.py (questions), layout.py (which panes show), palette.py (ctrl+p),
and the integrations pane, which checks its integrations.  Panes post messages up
(requests.py); the handlers here route them.  ctrl+s runs the write flow
(tui.workspace.writeflow) through the screens it pushes here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.worker import Worker, WorkerState

from tui.app import requests
from tui.app.confirm import Confirm
from tui.app.grid import Grid
from tui.app.grid.bindings import GRID_BINDINGS
from tui.app.keys import APP_BINDINGS
from tui.app.layout import PaneLayout
from tui.app.loading import LoadBar, Loader
from tui.app.panes.audit import AuditPane
from tui.app.panes.destinations import DestinationsPane
from tui.app.panes.integrations import Checker, IntegrationsPane
from tui.app.panes.status import StatusLine, lock_text
from tui.state import Refused
from tui.workspace.workbench import Workbench

if TYPE_CHECKING:
    from tui.workspace.workspace import Workspace

FOLLOW_S = 0.5  # locks and audit entries of others are read this often (cheap SQLite reads)
HEARTBEAT_S = 10.0  # manual locks renewed: lock_ttl is at least 30 s, a third of it or less


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
    panes_layout: PaneLayout
    confirm: Confirm
    checker: Checker

    def __init__(self, bench: Workbench, *, check_interval: float = 30.0) -> None:
        super().__init__()
        self.bench = bench
        self.check_interval = check_interval
        self.audit_only = False  # audit pane filtered to the open destination

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
        self.confirm = Confirm(
            bench, push=self.push_screen, notify=self.notify, show_rows=self.show_rows,
            locks_changed=self.follow_state,
        )  # fmt: skip
        self.loader = Loader(
            bench, self.loadbar, run_worker=self.run_worker, notify=self.notify,
            ask_secret=self._ask_secret, on_rows=self.show_rows, on_done=self.confirm.offer_draft,
        )  # fmt: skip
        self.panes_layout = PaneLayout(
            self.sidebar, self.audit, self.grid, lambda: self.size, lambda: self.focused
        )
        self.checker = Checker(bench, self.integrations, self.run_worker)

    def on_mount(self) -> None:
        self.set_keymap(self.bench.config.keys)
        first = self.bench.first_destination()
        self.show_panes(first)
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
        self.set_interval(FOLLOW_S, self.follow_state, name="follow state")
        self.set_interval(HEARTBEAT_S, self.bench.renew_locks, name="lock heartbeat")

    def on_unmount(self) -> None:
        self.bench.close()

    def on_resize(self) -> None:
        self.panes_layout.apply()

    async def _ask_secret(self, label: str, why: str) -> str | None:
        from tui.app.screens.secret import SecretScreen

        return await self.push_screen_wait(SecretScreen(label, why))

    # ----------------------------------------------------------- what the panes show

    def show_panes(self, dest: str | None) -> None:
        """The integrations, with the one of `dest` (else the first) and its destinations."""
        config = self.bench.config
        integration = config.destinations[dest].integration if dest else None
        integration = integration or next(iter(config.integrations), None)
        self.integrations.show(list(config.integrations), integration)
        self.show_destinations(integration)

    def show_destinations(self, integration: str | None) -> None:
        bench = self.bench
        dests = [bench.config.destinations[d] for d in bench.destinations_of(integration or "")]
        locks = {lock.destination: lock for lock in bench.state.locks.all()}
        self.destinations.show(integration, dests, locks, bench.current)

    def open(self, dest: str) -> None:
        """Show a destination's rows in the grid; they load the first time."""
        bench = self.bench
        bench.current = dest
        ws = bench.workspace(dest)
        if self.destinations.integration != ws.integration.id:
            self.show_panes(dest)
        self.destinations.mark_current(dest)
        self.grid.set_table(ws.table, read_only=bench.read_only_reason(ws), reverter=ws.revert)
        idle = dest not in bench.loaded and dest not in bench.unfinished
        if idle and not self.loader.loading(dest):
            self.loader.start(ws)
        if self.audit_only:
            self.audit.refill(bench.state, dest)
        self.show_state()

    def show_rows(self, ws: Workspace) -> None:
        """Rows arrived or changed outside the grid."""
        if ws is not self.bench.ws:
            return
        if self.grid.table is not ws.table:
            read_only = self.bench.read_only_reason(ws)
            self.grid.set_table(ws.table, read_only=read_only, reverter=ws.revert)
        else:
            self.grid.refresh_table()
        self.show_state()

    def show_state(self) -> None:
        """Lock, read-only reason, row and change counts: after every step and every tick."""
        bench, loader = self.bench, self.loader
        ws = bench.ws
        if ws is None:
            self.status.update(destination="", rows="", changes="", lock="")
            loader.bar.show_text("")
            return
        reason = bench.read_only_reason(ws)
        if self.grid.read_only != reason:
            self.grid.read_only = reason
        rows = f"{ws.table.row_count:,} rows"
        if loader.loading(ws.dest.id):
            rows = f"loading, {rows}"
        lock = lock_text(ws.lock_state(), bench.who, reason)
        changes = str(ws.table.counts())
        self.status.update(destination=ws.dest.id, rows=rows, changes=changes, lock=lock)
        # above the grid, so nobody types into a read-only grid without seeing why
        loader.show_progress(ws.dest.id, lock if reason else "")

    def follow_state(self) -> None:
        """What others did: their locks and audit entries, read from the shared state."""
        state = self.bench.state
        self.destinations.update_locks({lock.destination: lock for lock in state.locks.all()})
        self.show_state()
        self.audit.follow(state)

    def reload_config(self) -> None:
        """After a form saved the file: re-read it, rebuild the panes, check again."""
        bench = self.bench
        dropped = bench.reload_config()
        self.confirm.config_reloaded(dropped)  # their drafts are offered again
        self.set_keymap(bench.config.keys)
        current = bench.current or bench.first_destination()
        self.show_panes(current)
        if current is None:
            self.grid.set_table(None)
            self.show_state()
        elif current != bench.current or bench.ws is None:
            self.open(current)  # its workspace was dropped: a fresh one loads
        self.checker.run_all()

    # ----------------------------------------------------------- messages

    def on_integrations_pane_highlighted(self, event: IntegrationsPane.Highlighted) -> None:
        self.show_destinations(event.integration)

    def on_integrations_pane_integration_chosen(
        self, event: IntegrationsPane.IntegrationChosen
    ) -> None:
        self.destinations.options.focus()  # enter moves on to the integration's destinations

    def on_destinations_pane_destination_chosen(
        self, event: DestinationsPane.DestinationChosen
    ) -> None:
        self.open(event.destination)
        self.grid.focus()

    def on_config_add_integration(self, event: requests.AddIntegration) -> None:
        from tui.app.screens.forms import IntegrationForm

        self.push_screen(IntegrationForm(self.bench.config_path), self._form_closed)

    def on_config_edit_integration(self, event: requests.EditIntegration) -> None:
        from tui.app.screens.forms import IntegrationForm

        form = IntegrationForm(self.bench.config_path, event.integration)
        self.push_screen(form, self._form_closed)

    def on_config_add_destination(self, event: requests.AddDestination) -> None:
        from tui.app.screens.forms import DestinationForm

        form = DestinationForm(self.bench.config_path, None, integration_id=event.integration)
        self.push_screen(form, self._form_closed)

    def on_config_edit_destination(self, event: requests.EditDestination) -> None:
        from tui.app.screens.forms import DestinationForm

        dest = self.bench.config.destinations[event.destination]
        form = DestinationForm(
            self.bench.config_path, event.destination, integration_id=dest.integration
        )
        self.push_screen(form, self._form_closed)

    def on_config_remove_entry(self, event: requests.RemoveEntry) -> None:
        from tui.app.screens.forms import RemoveScreen

        form = RemoveScreen(self.bench.config_path, event.section, event.ident)
        self.push_screen(form, self._form_closed)

    def _form_closed(self, saved: bool | None) -> None:
        if saved:
            self.reload_config()

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
        """Preview, write with progress, resolve conflicts: the flow decides, screens show."""
        from tui.app.screens.conflicts import ConflictScreen
        from tui.app.screens.preview import PreviewScreen
        from tui.app.screens.progress import WritebackScreen
        from tui.workspace.writeflow import WriteFlow

        ws = self.bench.ws
        if ws is None:
            return
        push = self.push_screen
        WriteFlow(
            self.bench, ws,
            preview=lambda preview, answered: push(PreviewScreen(preview), answered),
            write=lambda sent, overwrite, written: push(
                WritebackScreen(ws, sent, overwrite), written
            ),
            conflicts=lambda conflicts, answered: push(ConflictScreen(conflicts), answered),
            notify=self.notify, show_rows=self.show_rows, reload=self.action_reload,
        ).start()  # fmt: skip

    def action_toggle_lock(self) -> None:
        try:
            self.notify(self.bench.toggle_lock(), timeout=3)
        except Refused as exc:
            self.notify(str(exc), severity="warning")
        self.follow_state()

    def action_reload(self) -> None:
        """Load the open destination again (its pending edits are kept)."""
        ws = self.bench.ws
        if ws is None:
            return
        if self.loader.loading(ws.dest.id):
            self.notify(f"{ws.dest.id} is loading already", timeout=2)
            return
        self.bench.unfinished.pop(ws.dest.id, None)
        self.bench.loaded.discard(ws.dest.id)
        self.loader.start(ws)

    def action_cancel_load(self) -> None:
        self.loader.cancel()

    def action_toggle_sidebar(self) -> None:
        self.panes_layout.toggle("sidebar")

    def action_toggle_audit(self) -> None:
        self.panes_layout.toggle("audit")

    def action_audit_filter(self) -> None:
        self.audit_only = not self.audit_only
        self.audit.refill(self.bench.state, self.bench.current if self.audit_only else None)
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
