"""The questions the app asks before it acts: restore a draft, break a lock, discard
changes.  Each pushes a dialog; the answer comes back to a callback."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tui.state import Refused

if TYPE_CHECKING:
    from textual.widgets.button import ButtonVariant

    from tui.app.ui import PushScreen
    from tui.state.journal import OtherDraft
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
        """After a destination's first load: this session's unsaved changes from before
        (a config reload dropped them), else each gone session's draft, one by one, are
        offered back; a live session's draft is only named, never read."""
        dest = ws.dest.id
        if dest in self.offered:
            return
        self.offered.add(dest)
        for other in ws.others_live():
            self.notify(
                f"another session of yours, {other.session.describe()}, has unsaved changes "
                f"on {dest}; this one keeps a draft of its own",
                severity="warning",
                timeout=10,
            )
        if ws.table.dirty:
            return
        if self.bench.draft(dest) is not None:
            self._offer(ws, None)
            return
        self._offer_next(ws, ws.offers())

    def _offer_next(self, ws: Workspace, offers: list[OtherDraft]) -> None:
        """The next gone session's draft, while the grid holds none yet."""
        if offers and not ws.table.dirty:
            self._offer(ws, offers[0], offers[1:])

    def _offer(
        self, ws: Workspace, offer: OtherDraft | None, rest: Sequence[OtherDraft] = ()
    ) -> None:
        from tui.app.screens.restore import RESTORE, RestoreScreen
        from tui.workspace.resolve import draft_words

        dest = ws.dest.id
        draft = self.bench.draft(dest) if offer is None else ws.offered(offer)
        if draft is None:
            self._offer_next(ws, list(rest))
            return

        def answered(choice: str | None) -> None:
            if choice == RESTORE:
                restored = ws.restore_draft(offer)
                if restored is not None:
                    self._restored(dest, restored)
            else:
                ws.discard(offer)
                self.notify(f"{dest}: earlier changes discarded", timeout=3)
            self.show_rows(ws)
            self._offer_next(ws, list(rest))

        saved = _saved_at(draft.saved_us if offer is None else offer.saved_us)
        source = None if offer is None else offer.session.describe()
        self.push(RestoreScreen(dest, draft_words(draft), saved, source), answered)

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
