"""The quit guard: asked only when there are pending changes or a writeback under way."""

from __future__ import annotations

from collections.abc import Mapping

from tui.app.screens.dialog import Dialog


def quit_message(pending: Mapping[str, str], writing: bool) -> str:
    lines = [f"  {dest}: {words}" for dest, words in pending.items()]
    text = ""
    if lines:
        text = "Changes not written back yet:\n" + "\n".join(lines) + "\n\n"
        text += "They stay in the draft journal and are offered back when you open writeback again."
    if writing:
        text += "\n\nA writeback is running: quitting stops it, and rows without an answer yet "
        text += "are marked 'outcome unknown' to check next time."
    return text.strip()


class QuitScreen(Dialog[bool]):
    def __init__(self, pending: Mapping[str, str], writing: bool = False) -> None:
        super().__init__(
            "Quit writeback?",
            quit_message(pending, writing),
            [("Quit", True, "error"), ("Stay", False, "primary")],
            on_escape=False,
            focus=1,
        )
