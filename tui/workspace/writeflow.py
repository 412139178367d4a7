"""ctrl+s: preview, write back with per-row progress, then conflicts resolved by the user.

The flow decides what comes next; the app shows each step (a modal screen) and the
answer comes back to a callback here, so the UI never waits on the network.  The
change set is built once, when the preview is asked for, and written as previewed.
No textual here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol

from tui.workspace.answers import label

if TYPE_CHECKING:
    from tui.workspace.preview import Preview
    from tui.workspace.report import Conflict, WritebackReport
    from tui.workspace.resolve import Choice
    from tui.workspace.workbench import Workbench
    from tui.workspace.workspace import Workspace
    from tui.workspace.writing import Sending

# The steps the app shows, each with the callback its answer goes to.
ShowPreview = Callable[["Preview", Callable[[bool | None], None]], object]
ShowWrite = Callable[["Sending", set[int], Callable[["WritebackReport | None"], None]], object]
ShowConflicts = Callable[[list["Conflict"], Callable[["dict[int, Choice] | None"], None]], object]


class Notify(Protocol):
    """A short message to the user (the app's toast)."""

    def __call__(
        self,
        message: str,
        *,
        title: str = "",
        severity: Literal["information", "warning", "error"] = "information",
        timeout: float | None = None,
    ) -> None: ...


class WriteFlow:
    def __init__(
        self,
        bench: Workbench,
        ws: Workspace,
        *,
        preview: ShowPreview,
        write: ShowWrite,
        conflicts: ShowConflicts,
        notify: Notify,
        show_rows: Callable[[Workspace], None],
        reload: Callable[[], None],
    ) -> None:
        self.bench = bench
        self.ws = ws
        self.show_preview = preview  # asks: write these requests now?
        self.show_write = write  # writes the rows given, overwriting those said, with progress
        self.show_conflicts = conflicts  # asks what wins, per conflicting row
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
        missing = self.bench.missing_secrets(self.ws.integration, self.ws.dest)
        if missing:
            self.notify(f"reload first: {label(missing[0])} is needed", severity="warning")
            return
        sent = self.ws.sending()

        def previewed(confirmed: bool | None) -> None:
            if confirmed:
                self.show_write(sent, set(), self._written)

        self.show_preview(self.ws.preview(sent), previewed)

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
            self.conflicts = list(report.conflicts)
            self.writeback_id = report.writeback_id
            self.show_conflicts(self.conflicts, self._resolved)

    def _resolved(self, choices: dict[int, Choice] | None) -> None:
        choices = choices or {}
        overwrite, skip = self.ws.resolve(self.conflicts, choices, self.writeback_id)
        self.show_rows(self.ws)
        # a row the server could not be asked about again: only a reload brings its values
        theirs = [c for c in self.conflicts if choices.get(c.row) == "theirs"]
        self.reload_after = any(not (c.server or c.theirs) for c in theirs)
        if overwrite:
            self.show_write(self.ws.sending(skip), overwrite, self._written)
        else:
            self._reload_if_needed()

    def _reload_if_needed(self) -> None:
        if self.reload_after:
            self.reload_after = False
            self.notify(f"{self.ws.dest.id}: reloading for the server's values", timeout=3)
            self.reload()
