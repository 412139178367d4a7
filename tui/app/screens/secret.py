"""Asking for a secret no source holds: typed hidden, kept in memory only."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.app.keys import bind


class SecretScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    SecretScreen { align: center middle; }
    SecretScreen > #dialog {
        width: 70; max-width: 100%; height: auto;
        border: round $warning; background: $surface; padding: 0 1;
    }
    SecretScreen #title { text-style: bold; }
    SecretScreen #hint { margin: 1 0; color: $text-muted; }
    """
    BINDINGS: ClassVar = [bind("dialog.close", "escape", "cancel", "cancel", show=False)]

    def __init__(self, label: str, why: str) -> None:
        super().__init__()
        self.label = label
        self.why = why

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Secret needed: {self.label}", id="title", markup=False)
            yield Static(self.why, id="hint", markup=False)
            yield Input(password=True, placeholder="typed text stays hidden", id="secret")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
