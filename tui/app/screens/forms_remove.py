"""RemoveScreen: confirm, then remove one integration or destination from the config file."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Static

from tui.app.keys import bind
from tui.app.requests import Section
from tui.app.screens.forms_values import entries, read_document, users_of
from tui.config.edit import ConfigFile
from tui.config.load import ConfigError

_WHAT = {"integrations": "integration", "destinations": "destination"}


class RemoveScreen(ModalScreen[bool]):
    """Dismisses True once the entry is gone from the file; refuses to orphan destinations."""

    DEFAULT_CSS = """
    RemoveScreen { align: center middle; }
    RemoveScreen > #dialog {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $error; background: $surface; padding: 0 1;
    }
    RemoveScreen #title { text-style: bold; }
    RemoveScreen #message { margin: 1 0; }
    RemoveScreen #errors { color: $error; height: auto; }
    RemoveScreen #buttons { height: auto; align-horizontal: right; }
    RemoveScreen #buttons > Button { margin-left: 2; min-width: 10; }
    """
    BINDINGS: ClassVar = [
        bind("form.remove", "y", "confirm", "Remove"),
        bind("form.cancel", "escape,n", "cancel", "Keep"),
    ]

    def __init__(self, config_path: Path, kind: Section, id: str) -> None:
        super().__init__()
        self.config_path = Path(config_path)
        self.kind = kind
        self.entry = id
        self.refusal = self._refusal()

    def _refusal(self) -> str | None:
        document = read_document(self.config_path)
        what = _WHAT[self.kind]
        if self.entry not in entries(document, self.kind):
            return f"There is no {what} {self.entry!r} in {self.config_path}."
        users = users_of(document, self.entry) if self.kind == "integrations" else []
        if users:
            names = ", ".join(users)
            noun = "destination" if len(users) == 1 else "destinations"
            return (
                f"Integration {self.entry!r} is still used by {noun} {names}. "
                "Remove them or point them at another integration first."
            )
        return None

    def compose(self) -> ComposeResult:
        what = _WHAT[self.kind]
        with Vertical(id="dialog"):
            yield Label(f"Remove {what} {self.entry}", id="title")
            if self.refusal:
                yield Static(self.refusal, id="message", markup=False)
            else:
                yield Static(
                    f"Remove [{self.kind}.{self.entry}] and everything under it from "
                    f"{self.config_path}? Comments inside it go too.",
                    id="message",
                    markup=False,
                )
            yield Static("", id="errors", markup=False)
            with Horizontal(id="buttons"):
                if not self.refusal:
                    yield Button("Remove", variant="error", compact=True, id="remove")
                yield Button("Close" if self.refusal else "Keep", compact=True, id="keep")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()  # enter keeps; removing takes a deliberate y

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "confirm" and self.refusal)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "remove":
            self.action_confirm()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_confirm(self) -> None:
        if self.refusal:
            return
        edit = ConfigFile(self.config_path)
        edit.remove(self.kind, self.entry)
        try:
            edit.save()
        except ConfigError as exc:
            self.query_one("#errors", Static).update(
                "\n".join(["Not removed: the file would be invalid.", *exc.lines])
            )
            return
        except OSError as exc:
            self.query_one("#errors", Static).update(f"Not removed: {exc.strerror or exc}")
            return
        self.dismiss(True)
