"""A small modal question with buttons: the quit guard and the draft offer use it."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static
from textual.widgets.button import ButtonVariant

from tui.app.keys import bind

T = TypeVar("T")


class Dialog(ModalScreen[T], Generic[T]):
    """`choices` are (label, value, variant); esc answers `on_escape`; the button
    named by `focus` has the focus, so enter answers it."""

    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > #dialog {
        width: 70; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    Dialog #title { text-style: bold; }
    Dialog #message { margin: 1 0; height: auto; }
    Dialog #buttons { height: auto; align-horizontal: right; }
    Dialog #buttons > Button { margin-left: 2; min-width: 10; }
    """
    BINDINGS: ClassVar = [bind("dialog.close", "escape", "escape", "close", show=False)]

    def __init__(
        self,
        title: str,
        message: str,
        choices: list[tuple[str, T, ButtonVariant]],
        *,
        on_escape: T,
        focus: int = 0,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.choices = choices
        self.on_escape = on_escape
        self.focus_index = focus

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="title", markup=False)
            yield Static(self.message, id="message", markup=False)
            with Horizontal(id="buttons"):
                for index, (label, _value, variant) in enumerate(self.choices):
                    yield Button(label, variant=variant, id=f"choice-{index}")

    def on_mount(self) -> None:
        self.query_one(f"#choice-{self.focus_index}").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        index = int(str(event.button.id).removeprefix("choice-"))
        self.dismiss(self.choices[index][1])

    def action_escape(self) -> None:
        self.dismiss(self.on_escape)
