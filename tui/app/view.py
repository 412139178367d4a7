"""What the panes show and how the app's actions change it: the destination open,
its rows and state in the grid and status line, the layout at the terminal's size."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tui.app.panes.destinations import DestinationsPane
from tui.app.panes.integrations import IntegrationsPane
from tui.app.panes.status import lock_text
from tui.state import Refused

if TYPE_CHECKING:
    from textual.binding import Binding

    from tui.app.app import WritebackApp
    from tui.workspace import Workspace

WIDE = 100  # columns from which the sidebar shows by default
TALL = 30  # lines from which the audit pane shows by default


class View:
    def __init__(self, app: WritebackApp) -> None:
        self.app = app
        self.bench = app.bench
        self.forced: dict[str, bool] = {}  # "sidebar"/"audit" shown or hidden by a key
        self.audit_only = False  # audit pane filtered to the open destination
        self.offered: set[str] = set()  # destinations whose draft was offered already

    # ----------------------------------------------------------- panes

    def first_destination(self) -> str | None:
        """The first destination with unsaved work waiting, else the first one."""
        drafts = self.bench.drafts()
        return (drafts or list(self.bench.config.destinations) or [None])[0]

    def show_panes(self, dest: str | None) -> None:
        config = self.bench.config
        integration = config.destinations[dest].integration if dest else None
        integration = integration or next(iter(config.integrations), None)
        self.app.integrations.show(list(config.integrations), integration)
        self.show_destinations(integration)

    def show_destinations(self, integration: str | None) -> None:
        bench = self.bench
        dests = [bench.config.destinations[d] for d in bench.destinations_of(integration or "")]
        locks = {lock.destination: lock for lock in bench.state.locks.all()}
        self.app.destinations.show(integration, dests, locks, bench.current)

    # ----------------------------------------------------------- the open destination

    def open(self, dest: str) -> None:
        bench, app = self.bench, self.app
        bench.current = dest
        ws = bench.workspace(dest)
        pane = app.destinations
        if pane.integration != ws.integration.id:
            self.show_panes(dest)
        pane.mark_current(dest)
        app.grid.set_table(ws.table, read_only=bench.read_only_reason(ws), reverter=ws.revert)
        idle = dest not in bench.loaded and dest not in bench.unfinished
        if idle and not app.loader.loading(dest):
            app.loader.start(ws)
        if self.audit_only:
            app.audit.refill(bench.state, dest)
        self.show_state()

    def show_rows(self, ws: Workspace) -> None:
        """Rows arrived or changed outside the grid."""
        if ws is not self.bench.ws:
            return
        grid = self.app.grid
        if grid.table is not ws.table:
            grid.set_table(ws.table, read_only=self.bench.read_only_reason(ws), reverter=ws.revert)
        else:
            grid.refresh_table()
        self.show_state()

    def show_state(self) -> None:
        """Lock, read-only reason, row and change counts: after every step and every tick."""
        bench, status = self.bench, self.app.status
        ws = bench.ws
        if ws is None:
            status.update(destination="", rows="", changes="", lock="")
            self.app.loader.bar.show_text("")
            return
        reason = bench.read_only_reason(ws)
        grid = self.app.grid
        if grid.read_only != reason:
            grid.read_only = reason
        rows = f"{ws.table.row_count:,} rows"
        if self.app.loader.loading(ws.dest.id):
            rows = f"loading, {rows}"
        lock = lock_text(ws.lock_state(), bench.who, reason)
        status.update(destination=ws.dest.id, rows=rows, changes=str(ws.table.counts()), lock=lock)
        # above the grid, so nobody types into a read-only grid without seeing why
        self.app.loader.show_progress(ws.dest.id, lock if reason else "")

    def offer_draft(self, ws: Workspace) -> None:
        """After a destination's first load: unsaved changes from before are offered back."""
        from tui.app.screens.restore import RESTORE, RestoreScreen
        from tui.workspace.resolve import draft_words

        dest = ws.dest.id
        if dest in self.offered:
            return
        self.offered.add(dest)
        draft = self.bench.draft(dest)
        if draft is None or ws.table.dirty:
            return

        def answered(choice: str | None) -> None:
            if choice == RESTORE:
                restored = ws.restore_draft()
                if restored is not None:
                    self._restored(dest, restored)
            else:
                ws.discard()
                self.app.notify(f"{dest}: earlier changes discarded", timeout=3)
            self.show_rows(ws)

        saved = _saved_at(draft.saved_us)
        self.app.push_screen(RestoreScreen(dest, draft_words(draft), saved), answered)

    def _restored(self, dest: str, restored: object) -> None:
        words = getattr(restored, "words", "")
        problems = list(getattr(restored, "problems", []))
        unknown = getattr(restored, "unknown", 0)
        self.app.notify(f"{dest}: restored {words}", timeout=4)
        if unknown:
            self.app.notify(
                f"{unknown} rows were being written when writeback stopped: check them",
                severity="warning",
                timeout=10,
            )
        for problem in problems[:5]:
            self.app.notify(problem, severity="warning", timeout=8)

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

    def break_lock(self) -> None:
        from tui.app.screens.dialog import Dialog

        ws = self.bench.ws
        lock = ws.lock_state() if ws else None
        if ws is None or lock is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                ws.unlock(force=True)
            except Refused as exc:
                self.app.notify(str(exc), severity="warning")
            self.app.follower.tick()

        question = f"{lock.describe()}.  Break it?  Their unsaved edits stay theirs."
        choices = [("Break", True, "error"), ("Keep", False, "primary")]
        self.app.push_screen(
            Dialog(f"Break the lock of {ws.dest.id}", question, choices, on_escape=False, focus=1),
            answered,
        )

    def discard_changes(self) -> None:
        from tui.app.screens.dialog import Dialog

        ws = self.bench.ws
        if ws is None or not ws.table.dirty:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                ws.discard()
                self.show_rows(ws)

        words = str(ws.table.counts())
        choices = [("Discard", True, "error"), ("Keep", False, "primary")]
        self.app.push_screen(
            Dialog(f"Discard changes to {ws.dest.id}?", words, choices, on_escape=False, focus=1),
            answered,
        )

    def reload(self) -> None:
        ws = self.bench.ws
        if ws is None:
            return
        if self.app.loader.loading(ws.dest.id):
            self.app.notify(f"{ws.dest.id} is loading already", timeout=2)
            return
        self.bench.unfinished.pop(ws.dest.id, None)
        self.bench.loaded.discard(ws.dest.id)
        self.app.loader.start(ws)

    def reload_config(self) -> None:
        self.offered -= set(self.bench.reload_config())  # their drafts are offered again
        self.app.set_keymap(self.bench.config.keys)
        current = self.bench.current or self.first_destination()
        self.show_panes(current)
        if current is None:
            self.app.grid.set_table(None)
            self.show_state()
        elif current != self.bench.current or self.bench.ws is None:
            self.open(current)  # its workspace was dropped: a fresh one loads
        self.app.checker.run_all()

    # ----------------------------------------------------------- layout

    def shown(self, part: str) -> bool:
        width, height = self.app.size
        default = width >= WIDE if part == "sidebar" else height >= TALL
        return self.forced.get(part, default)

    def toggle(self, part: str) -> None:
        self.forced[part] = not self.shown(part)
        self.apply_layout()

    def apply_layout(self) -> None:
        app = self.app
        sidebar, audit = app.sidebar, app.audit
        sidebar.display = self.shown("sidebar")
        audit.display = self.shown("audit")
        focused = app.focused
        hidden = [w for w in (sidebar, audit) if not w.display]
        if focused is not None and any(w is focused or w in focused.ancestors for w in hidden):
            app.grid.focus()

    def toggle_audit_filter(self) -> None:
        self.audit_only = not self.audit_only
        only = self.bench.current if self.audit_only else None
        self.app.audit.refill(self.bench.state, only)
        if not self.shown("audit"):
            self.toggle("audit")

    def key_sections(self) -> list[tuple[str, list[Binding]]]:
        return [
            ("Everywhere", list(self.app.BINDINGS)),  # type: ignore[arg-type]
            ("Integrations pane", list(IntegrationsPane.BINDINGS)),  # type: ignore[arg-type]
            ("Destinations pane", list(DestinationsPane.BINDINGS)),  # type: ignore[arg-type]
            ("Grid", list(type(self.app.grid).BINDINGS)),  # type: ignore[arg-type]
        ]


def _saved_at(saved_us: int) -> datetime | None:
    return datetime.fromtimestamp(saved_us / 1e6, UTC) if saved_us else None
