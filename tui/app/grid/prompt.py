"""The one-line prompt at the bottom of the grid, for search and filter text."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label


@dataclass
class Answered(Message, namespace="grid_prompt"):
    """The text typed for a question; ``kind`` says which ("search", "filter")."""

    kind: str
    column: str | None
    text: str


class Dismissed(Message, namespace="grid_prompt"):
    """The prompt closed without an answer."""


class PromptInput(Input):
    BINDINGS = [Binding("escape", "dismiss", "Cancel", show=False, id="grid.prompt_cancel")]

    def action_dismiss(self) -> None:
        self.post_message(Dismissed())

    def on_blur(self, event: events.Blur) -> None:
        if self.parent is not None and self.parent.display:
            self.post_message(Dismissed())


class Prompt(Horizontal):
    """A label ("/", "filter status:") and an input; enter answers, escape dismisses."""

    DEFAULT_CSS = """
    Prompt {
        dock: bottom;
        height: 1;
        display: none;
        background: $panel;
        & > Label { padding: 0 1 0 0; color: $text-accent; text-style: bold; }
        & > PromptInput { width: 1fr; height: 1; border: none; padding: 0; }
    }
    """

    def __init__(self) -> None:
        super().__init__(id="grid-prompt")
        self.kind = ""
        self.column: str | None = None

    def compose(self) -> ComposeResult:
        yield Label("", id="grid-prompt-label", markup=False)
        yield PromptInput(compact=True, id="grid-prompt-input")

    def ask(self, kind: str, label: str, column: str | None = None, text: str = "") -> None:
        self.kind, self.column = kind, column
        self.query_one(Label).update(label)
        field = self.query_one(PromptInput)
        field.value = text
        self.display = True
        field.focus()

    def close(self) -> None:
        self.display = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(Answered(self.kind, self.column, event.value))
