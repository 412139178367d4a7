"""ConflictScreen: rows the server changed since they were loaded; the user chooses what wins.

Every row starts as "skip": nothing is overwritten unless someone said so, row by row
or for all rows at once.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.app.keys import bind
from tui.workspace.resolve import Choice

if TYPE_CHECKING:
    from tui.workspace import Conflict

_SHOWN: dict[str, str] = {
    "skip": "skip: leave it pending",
    "overwrite": "overwrite: mine wins",
    "theirs": "take theirs: drop my change",
}


def show_value(value: object) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value).lower() if isinstance(value, bool) else str(value)


def key_words(key: dict[str, object], fallback: str) -> str:
    return ", ".join(f"{k}={show_value(v)}" for k, v in key.items()) or fallback


class ConflictRow(Static, can_focus=True):
    """One conflicting row: its fields as loaded, mine and theirs, and the choice."""

    DEFAULT_CSS = """
    ConflictRow { border: round $panel; height: auto; padding: 0 1; }
    ConflictRow:focus { border: round $accent; background: $boost; }
    ConflictRow { border-subtitle-color: $text-muted; border-title-color: $text; }
    ConflictRow.-overwrite { border-subtitle-color: $error; border-subtitle-style: bold; }
    ConflictRow.-theirs { border-subtitle-color: $accent; border-subtitle-style: bold; }
    """

    def __init__(self, conflict: Conflict) -> None:
        super().__init__()
        self.conflict = conflict
        self.choice: Choice = "skip"

    def on_mount(self) -> None:
        self.border_title = key_words(self.conflict.key, f"row {self.conflict.row}")
        self.choose(self.choice)

    def choose(self, choice: Choice) -> None:
        self.choice = choice
        self.border_subtitle = _SHOWN[choice]
        for name in _SHOWN:
            self.set_class(name == choice, f"-{name}")
        self.refresh()

    def render(self) -> Table:
        c = self.conflict
        table = Table(box=None, expand=True, pad_edge=False, show_edge=False)
        table.add_column("field", style="bold", ratio=1)
        table.add_column("loaded", ratio=2)
        table.add_column("mine", ratio=2, style="bold" if self.choice == "overwrite" else "")
        table.add_column("theirs", ratio=2, style="bold" if self.choice == "theirs" else "")
        for field in dict.fromkeys([*c.mine, *c.loaded, *c.theirs]):
            theirs = (
                Text(show_value(c.theirs[field]))
                if field in c.theirs
                else Text("(not read)", style="dim italic")
            )
            table.add_row(
                field, show_value(c.loaded.get(field)), show_value(c.mine.get(field)), theirs
            )
        return table


class ConflictScreen(ModalScreen[dict[int, Choice]]):
    """Dismisses {row: "overwrite" | "theirs" | "skip"}; escape skips every row."""

    DEFAULT_CSS = """
    ConflictScreen { align: center middle; }
    ConflictScreen > #dialog {
        width: 100%; max-width: 120; height: 1fr; max-height: 48;
        border: round $warning; border-title-style: bold; background: $surface; padding: 0 1;
    }
    ConflictScreen #intro { color: $text-muted; }
    ConflictScreen #rows { height: 1fr; margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        bind("conflicts.overwrite", "o", "choose('overwrite')", "overwrite"),
        bind("conflicts.theirs", "t", "choose('theirs')", "take theirs"),
        bind("conflicts.skip", "s", "choose('skip')", "skip"),
        bind(
            "conflicts.overwrite_all", "O", "choose_all('overwrite')", "all: overwrite", show=False
        ),
        bind("conflicts.theirs_all", "T", "choose_all('theirs')", "all: theirs", show=False),
        bind("conflicts.skip_all", "S", "choose_all('skip')", "all: skip", show=False),
        bind("conflicts.next", "down,j", "move(1)", "next row", show=False),
        bind("conflicts.previous", "up,k", "move(-1)", "previous row", show=False),
        bind("conflicts.apply", "enter", "apply", "Apply"),
        bind("conflicts.cancel", "escape", "skip_everything", "Skip all"),
    ]

    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__()
        self.conflicts = conflicts

    def compose(self) -> ComposeResult:
        n = len(self.conflicts)
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"{n} conflict{'' if n == 1 else 's'}"
            yield Static(
                "These rows changed on the server since you loaded them. Per row: "
                "o overwrite with mine, t take theirs, s skip (the default); "
                "O T S for every row; enter applies.",
                id="intro",
            )
            with VerticalScroll(id="rows"):
                for conflict in self.conflicts:
                    yield ConflictRow(conflict)
        yield Footer()

    def on_mount(self) -> None:
        rows = self.query(ConflictRow)
        if rows:
            rows.first().focus()

    def _rows(self) -> list[ConflictRow]:
        return list(self.query(ConflictRow))

    def _current(self) -> ConflictRow | None:
        focused = self.focused
        return focused if isinstance(focused, ConflictRow) else None

    def choices(self) -> dict[int, Choice]:
        return {row.conflict.row: row.choice for row in self._rows()}

    def action_choose(self, choice: Choice) -> None:
        row = self._current()
        if row is not None:
            row.choose(choice)
            self.action_move(1)

    def action_choose_all(self, choice: Choice) -> None:
        for row in self._rows():
            row.choose(choice)

    def action_move(self, step: int) -> None:
        rows = self._rows()
        current = self._current()
        if not rows or current is None:
            return
        index = max(0, min(len(rows) - 1, rows.index(current) + step))
        rows[index].focus()
        rows[index].scroll_visible()

    def action_apply(self) -> None:
        self.dismiss(self.choices())

    def action_skip_everything(self) -> None:
        skip: Choice = "skip"
        self.dismiss({c.row: skip for c in self.conflicts})
