"""The questions the app asks before it acts: restore a draft, break a lock, discard
changes.  Each pushes a dialog; the answer comes back to a callback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tui.state import Refused

if TYPE_CHECKING:
    from textual.widgets.button import ButtonVariant

    from tui.app.ui import PushScreen
    from tui.workspace.restore import Restored
    from tui.workspace.workbench import Workbench
    from tui.workspace.workspace import Workspace
    from tui.workspace.writeflow import Notify


class Confirm:
    def __init__(
        self,
        bench: Workbench,
        *,
        push: PushScreen,
        notify: Notify,
        show_rows: Callable[[Workspace], None],
        locks_changed: Callable[[], None],
    ) -> None:
        self.bench = bench
        self.push = push
        self.notify = notify
        self.show_rows = show_rows  # the rows changed outside the grid
        self.locks_changed = locks_changed  # a lock was broken: follow the state now
        self.offered: set[str] = set()  # destinations whose draft was offered already

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
                self.notify(f"{dest}: earlier changes discarded", timeout=3)
            self.show_rows(ws)

        saved = _saved_at(draft.saved_us)
        self.push(RestoreScreen(dest, draft_words(draft), saved), answered)

    def _restored(self, dest: str, restored: Restored) -> None:
        self.notify(f"{dest}: restored {restored.words}", timeout=4)
        if restored.unknown:
            self.notify(
                f"{restored.unknown} rows were being written when writeback stopped: check them",
                severity="warning",
                timeout=10,
            )
        for problem in restored.problems[:5]:
            self.notify(problem, severity="warning", timeout=8)

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
                self.notify(str(exc), severity="warning")
            self.locks_changed()

        question = f"{lock.describe()}.  Break it?  Their unsaved edits stay theirs."
        choices: list[tuple[str, bool, ButtonVariant]] = [
            ("Break", True, "error"),
            ("Keep", False, "primary"),
        ]
        title = f"Break the lock of {ws.dest.id}"
        self.push(Dialog(title, question, choices, on_escape=False, focus=1), answered)

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
        choices: list[tuple[str, bool, ButtonVariant]] = [
            ("Discard", True, "error"),
            ("Keep", False, "primary"),
        ]
        title = f"Discard changes to {ws.dest.id}?"
        self.push(Dialog(title, words, choices, on_escape=False, focus=1), answered)

    def config_reloaded(self, dropped: list[str]) -> None:
        """Workspaces dropped by a config reload: their drafts are offered again."""
        self.offered -= set(dropped)


def _saved_at(saved_us: int) -> datetime | None:
    return datetime.fromtimestamp(saved_us / 1e6, UTC) if saved_us else None
