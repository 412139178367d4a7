"""ConfigForm: a modal form over one [section.id] table of the configuration file.

Saving re-reads the file, changes only the keys the user changed, validates the
whole result and writes it atomically (ConfigFile); on any problem the problems
are listed in the form and the file is left as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, Static

from tui.app.keys import bind
from tui.app.screens.forms_fields import field_row, read_control
from tui.app.screens.forms_values import (
    Field,
    FieldError,
    KeyPath,
    applies,
    check_id,
    entries,
    get,
    read_document,
    shown,
    updated_entry,
)
from tui.config.edit import ConfigFile
from tui.config.load import ConfigError

FORM_CSS = """
ConfigForm { align: center middle; }
ConfigForm > #dialog {
    width: 96; max-width: 100%; height: 1fr; max-height: 44;
    border: round $primary; background: $surface; padding: 0 1;
}
ConfigForm #title { text-style: bold; width: 1fr; }
ConfigForm #where { color: $text-muted; width: 1fr; }
ConfigForm #fields { height: 1fr; margin-top: 1; }
ConfigForm .field-row { height: auto; }
ConfigForm .field-row > Input, ConfigForm .field-row > Select, ConfigForm SecretInput > * {
    background: $boost;
}
ConfigForm .field-row > Input:focus, ConfigForm SecretInput > Input:focus,
ConfigForm Select:focus > SelectCurrent, ConfigForm Checkbox:focus {
    background: $primary 30%;
}
ConfigForm .field-label { width: 22; padding-right: 1; color: $text-muted; }
ConfigForm .field-row > Input, ConfigForm .field-row > Select { width: 1fr; }
ConfigForm .section { text-style: bold; color: $accent; margin-bottom: 1; }
ConfigForm #errors { color: $error; height: auto; max-height: 8; display: none; }
ConfigForm #errors.-shown { display: block; }
ConfigForm #buttons { height: auto; align-horizontal: right; margin-top: 1; }
ConfigForm #buttons > Button { margin-left: 2; min-width: 10; }
"""


class ConfigForm(ModalScreen[bool]):
    """Add or edit one entry; dismisses True once the file was saved."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS: ClassVar = [
        bind("form.save", "ctrl+s", "save", "Save"),
        bind("form.cancel", "escape", "cancel", "Cancel"),
    ]
    SECTION: ClassVar[str] = ""
    WHAT: ClassVar[str] = ""  # "integration", "destination"

    def __init__(self, config_path: Path, ident: str | None = None) -> None:
        super().__init__(classes="form-screen")
        self.config_path = Path(config_path)
        self.ident = ident
        self.document = read_document(self.config_path)
        raw = entries(self.document, self.SECTION).get(ident, {}) if ident else {}
        self.fields = self.build_fields()
        self.initial = {f.path: shown(f, get(raw, f.path)) for f in self.fields}

    # Subclasses describe their fields, and may start some with a value other than
    # the file's (a preselected integration): that counts as a change the user made.
    def build_fields(self) -> list[Field]:
        raise NotImplementedError

    def starting_values(self) -> dict[KeyPath, Any]:
        return {}

    def extra_choices(self, field: Field) -> tuple[str, ...]:
        return ()

    def compose(self) -> ComposeResult:
        title = f"Edit {self.WHAT} {self.ident}" if self.ident else f"Add {self.WHAT}"
        starts = {**self.initial, **self.starting_values()}
        with Vertical(id="dialog"):
            yield Label(title, id="title")
            yield Label(str(self.config_path), id="where")
            with VerticalScroll(id="fields"):
                yield Horizontal(
                    Label("id", classes="field-label"),
                    Input(
                        self.ident or "",
                        placeholder=f"{self.WHAT} id: letters, digits, _ - .",
                        disabled=self.ident is not None,
                        compact=True,
                        id="f-id",
                    ),
                    classes="field-row",
                )
                for field in self.fields:
                    yield field_row(field, starts.get(field.path), self.extra_choices(field))
            yield Static("", id="errors", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Save", variant="primary", compact=True, id="save")
                yield Button("Cancel", compact=True, id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        self._show_applicable()
        first: Widget = self.query_one("#f-id", Input)
        if first.disabled:
            first = self.query_one(f"#{self.fields[0].widget_id}")
        first.focus()

    # ----------------------------------------------------------- reading the widgets

    def values(self) -> dict[KeyPath, Any]:
        return {f.path: read_control(self.query_one(f"#{f.widget_id}")) for f in self.fields}

    def _show_applicable(self) -> None:
        now = self.values()
        for field in self.fields:
            self.query_one(f"#row-{field.widget_id}").display = applies(field, now)

    def on_select_changed(self, event: Select.Changed) -> None:
        if self.is_mounted:
            self._show_applicable()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._show_applicable()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    # ----------------------------------------------------------- saving

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        problems: list[str] = []
        ident = self.ident
        document = read_document(self.config_path)  # the file now, not as it was opened
        existing = entries(document, self.SECTION)
        if ident is None:
            try:
                ident = check_id(self.query_one("#f-id", Input).value, list(existing), self.WHAT)
            except FieldError as exc:
                problems.append(str(exc))
        raw = existing.get(ident, {}) if ident else {}
        values, more = updated_entry(raw, self.fields, self.initial, self.values())
        problems += more
        if problems or ident is None:
            self.show_problems(problems)
            return
        edit = ConfigFile(self.config_path)
        edit.set(self.SECTION, ident, values)
        self._write(edit)

    def _write(self, edit: ConfigFile) -> None:
        try:
            edit.save()
        except ConfigError as exc:
            self.show_problems(["Not saved: the file would be invalid.", *exc.lines])
            return
        except OSError as exc:
            self.show_problems([f"Not saved: {self.config_path}: {exc.strerror or exc}"])
            return
        self.dismiss(True)

    def show_problems(self, lines: list[str]) -> None:
        errors = self.query_one("#errors", Static)
        errors.update("\n".join(lines))
        errors.set_class(bool(lines), "-shown")
