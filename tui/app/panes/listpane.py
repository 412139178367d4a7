"""A titled pane holding one OptionList of named entries: the integrations and
destinations panes are both one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList


class ListPane(Vertical):
    TITLE = ""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = self.TITLE

    def compose(self) -> ComposeResult:
        yield OptionList(id=f"{self.id}-list")

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    @property
    def selected(self) -> str | None:
        """The id of the highlighted entry."""
        option = self.options.highlighted_option
        return option.id if option else None
