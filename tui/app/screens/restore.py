"""The draft journal's offer: unsaved changes from an earlier bench, put back or dropped."""

from __future__ import annotations

from datetime import datetime

from tui.app.screens.dialog import Dialog

RESTORE = "restore"
DISCARD = "discard"


class RestoreScreen(Dialog[str]):
    """Dismisses "restore" (also on escape: nothing is lost by accident) or "discard"."""

    def __init__(
        self, destination: str, words: str, saved: datetime | None, source: str | None = None
    ) -> None:
        """`source`: the ended session the draft was left by ("HOST pid 42 since 10:32")."""
        when = f" from {saved.astimezone():%Y-%m-%d %H:%M}" if saved else ""
        by = f" by a session that ended ({source})" if source else ""
        super().__init__(
            f"Unsaved changes to {destination}",
            f"writeback kept changes{when}{by} that were not written back: {words}.\n\n"
            "Restore them into the grid, or discard them for good?",
            [("Restore", RESTORE, "primary"), ("Discard", DISCARD, "error")],
            on_escape=RESTORE,
        )
