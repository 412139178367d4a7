"""ctrl+s: preview, write back with per-row progress, then conflicts resolved by the user.

Each step is a modal screen; the next one is pushed from the previous one's
answer, so the UI never waits on the network.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.app.secret_prompt import label, refs_of, unanswered

if TYPE_CHECKING:
    from tui.app.ui import Notify, PushScreen
    from tui.app.workbench import Workbench
    from tui.workspace import Conflict, Workspace, WritebackReport
    from tui.workspace.resolve import Choice


class WriteFlow:
    def __init__(
        self,
        bench: Workbench,
        ws: Workspace,
        *,
        push: PushScreen,
        notify: Notify,
        show_rows: Callable[[Workspace], None],
        reload: Callable[[], None],
    ) -> None:
        self.bench = bench
        self.ws = ws
        self.push = push
        self.notify = notify
        self.show_rows = show_rows  # the grid and status line after rows were written
        self.reload = reload  # load the open destination again
        self.conflicts: list[Conflict] = []
        self.writeback_id = ""  # the writeback whose conflicts are being resolved
        self.reload_after = False  # the server's values of a row taken "theirs" are unread

    def start(self) -> None:
        # another writeback's automatic lock is waited for, with a countdown, as push does
        reason = self.bench.read_only_reason(self.ws, will_wait=True)
        if reason:
            self.notify(f"cannot write back: {reason}", severity="warning")
            return
        missing = unanswered(refs_of(self.ws.integration, self.ws.dest), self.bench.answers)
        if missing and self.bench.asks_secrets:
            self.notify(f"reload first: {label(missing[0])} is needed", severity="warning")
            return
        from tui.app.screens.preview import PreviewScreen

        self.push(PreviewScreen(self.ws.preview()), self._previewed)

    def _previewed(self, confirmed: bool | None) -> None:
        if confirmed:
            self._write(set(), set())

    def _write(self, overwrite: set[int], skip: set[int]) -> None:
        from tui.app.screens.progress import WritebackScreen

        screen = WritebackScreen(self.ws, overwrite=overwrite, skip=skip)
        self.push(screen, self._written)

    def _written(self, report: WritebackReport | None) -> None:
        self.show_rows(self.ws)
        if report is None or not report.conflicts:
            self._reload_if_needed()
        if report is None:
            return
        self.notify(f"{self.ws.dest.id}: {report.summary}", title="written back")
        for note in report.notes:
            self.notify(note, severity="warning", timeout=10)
        if report.conflicts:
            from tui.app.screens.conflicts import ConflictScreen

            self.conflicts = list(report.conflicts)
            self.writeback_id = report.writeback_id
            self.push(ConflictScreen(self.conflicts), self._resolved)

    def _resolved(self, choices: dict[int, Choice] | None) -> None:
        choices = choices or {}
        overwrite, skip = self.ws.resolve(self.conflicts, choices, self.writeback_id)
        self.show_rows(self.ws)
        # a row the server could not be asked about again: only a reload brings its values
        theirs = [c for c in self.conflicts if choices.get(c.row) == "theirs"]
        self.reload_after = any(not (c.server or c.theirs) for c in theirs)
        if overwrite:
            self._write(overwrite, skip)
        else:
            self._reload_if_needed()

    def _reload_if_needed(self) -> None:
        if self.reload_after:
            self.reload_after = False
            self.notify(f"{self.ws.dest.id}: reloading for the server's values", timeout=3)
            self.reload()
