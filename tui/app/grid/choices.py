"""The list of a choice column's values, laid over the grid under the cursor cell."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList


@dataclass
class ChoiceCommitted(Message, namespace="grid_editor"):
    """The value picked for a cell (row id and column fixed when the list opened)."""

    row: int
    column: str
    text: str


class ChoiceCancelled(Message, namespace="grid_editor"):
    """The list closed without a pick."""


class ChoiceEditor(OptionList):
    """The column's choices under (or above) the cell: enter picks, escape cancels."""

    DEFAULT_CSS = """
    ChoiceEditor {
        layer: overlay;
        position: absolute;
        display: none;
        width: auto;
        min-width: 12;
        max-width: 40;
        height: auto;
        max-height: 12;
        border: round $accent;
        padding: 0;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False, id="grid.choice_cancel")]

    def __init__(self) -> None:
        super().__init__(id="grid-choices", markup=False)
        self.target: tuple[int, str] | None = None
        self._choices: list[str] = []

    def open(
        self, row: int, column: str, choices: list[str], current: str, where: tuple[int, int]
    ) -> None:
        self.target = (row, column)
        self._choices = choices
        self.clear_options()
        self.add_options(choices)
        self.highlighted = choices.index(current) if current in choices else 0
        self.styles.offset = where
        self.display = True
        self.focus()

    def close(self) -> None:
        self.target = None
        self.display = False

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.target is not None:
            row, column = self.target
            self.post_message(ChoiceCommitted(row, column, self._choices[event.option_index]))

    def action_cancel(self) -> None:
        if self.target is not None:
            self.post_message(ChoiceCancelled())

    def on_blur(self, event: events.Blur) -> None:
        self.action_cancel()
