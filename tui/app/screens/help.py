"""The help screen: every key of the app, the panes and the grid, as remapped in the
config's `[keys]` table, with the id to remap it by."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.app.keys import bind

INTRO = (
    "Keys apply where the focus is: the grid, the integrations or the destinations pane "
    "(tab moves between them).  ctrl+p finds every action by name.  Remap a key in the "
    '[keys] table of the config, e.g. "app.lock" = "f5".'
)


def key_words(keys: str) -> str:
    """ "f1,question_mark" -> "f1 ?"; "ctrl+s" -> "ctrl+s"."""
    shown = []
    for key in keys.split(","):
        *mods, name = key.split("+") if key != "+" else ["+"]
        shown.append("+".join([*mods, format_key(name)]))
    return " ".join(shown)


def keys_table(
    sections: Iterable[tuple[str, Iterable[Binding]]], keymap: Mapping[str, str]
) -> Table:
    table = Table(box=None, show_header=True, expand=True, pad_edge=False)
    table.add_column("keys", no_wrap=True, style="bold")
    table.add_column("does")
    table.add_column("id", style="dim", no_wrap=True)
    for title, bindings in sections:
        table.add_row(f"[u]{title}[/u]", "", "")
        for binding in bindings:
            keys = keymap.get(binding.id or "", binding.key)
            table.add_row(key_words(keys), binding.tooltip or binding.description, binding.id)
        table.add_row("", "", "")
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 100%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen #intro { margin-bottom: 1; }
    """
    BINDINGS: ClassVar = [bind("dialog.close", "escape,q,f1", "close", "close")]

    def __init__(
        self, sections: list[tuple[str, list[Binding]]], keymap: Mapping[str, str]
    ) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys"
            yield Static(INTRO, id="intro", markup=False)
            yield Static(keys_table(self.sections, self.keymap), id="keys")

    def action_close(self) -> None:
        self.dismiss(None)
