"""The widgets of one config form field: a label and an Input, Select, Checkbox or secret."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select

from tui.app.screens.forms_values import SECRET_KINDS, Field, Secret

_SECRET_HINTS = {
    "env": "environment variable, e.g. CRM_TOKEN",
    "keyring": "keyring entry (writeback secret set NAME)",
    "file": "path of a 0600 file, e.g. ~/.config/writeback/crm.token",
    "prompt": "label to show when asking",
}


class SecretInput(Horizontal):
    """Where a secret lives (env, keyring, file) and its name: never the secret."""

    DEFAULT_CSS = """
    SecretInput { height: auto; width: 1fr; }
    SecretInput > Select { width: 14; }
    SecretInput > Input { width: 1fr; }
    """

    def __init__(self, start: Secret, *, id: str) -> None:
        super().__init__(id=id)
        self._start = start

    def compose(self) -> ComposeResult:
        kinds = list(SECRET_KINDS)
        if self._start.kind not in kinds:
            kinds.append(self._start.kind)  # keep a prompt reference the file already has
        yield Select(
            [(k, k) for k in kinds],
            value=self._start.kind,
            allow_blank=False,
            compact=True,
            id=f"{self.id}-kind",
        )
        yield Input(
            self._start.name,
            placeholder=_SECRET_HINTS.get(self._start.kind, ""),
            compact=True,
            id=f"{self.id}-name",
        )

    @property
    def value(self) -> Secret:
        kind = self.query_one(Select).value
        name = self.query_one(Input).value
        return Secret(str(kind), name, self._start.service)

    def on_select_changed(self, event: Select.Changed) -> None:
        self.query_one(Input).placeholder = _SECRET_HINTS.get(str(event.value), "")


def field_row(field: Field, start: Any, extra_choices: tuple[str, ...] = ()) -> Widget:
    """A row: the label, then the control holding `start`."""
    return Horizontal(
        Label(field.label, classes="field-label"),
        _control(field, start, extra_choices),
        classes="field-row",
        id=f"row-{field.widget_id}",
    )


def _control(field: Field, start: Any, extra_choices: tuple[str, ...]) -> Widget:
    wid = field.widget_id
    if field.kind == "bool":
        return Checkbox(field.hint, value=bool(start), compact=True, id=wid)
    if field.kind == "secret":
        return SecretInput(start, id=wid)
    if field.kind == "choice":
        choices = list(field.choices) + [c for c in extra_choices if c not in field.choices]
        if start is not None and start not in choices:
            choices.append(start)  # a value the file has, even one the form would not offer
        return Select(
            [(c, c) for c in choices],
            value=start if start is not None else Select.NULL,
            allow_blank=field.blank is not None,
            prompt=field.blank or "",
            compact=True,
            id=wid,
        )
    return Input(str(start), placeholder=field.hint, compact=True, id=wid)


def read_control(widget: Widget) -> Any:
    """The value a control holds now, in the shape `forms_values.shown` produces."""
    if isinstance(widget, Select):
        return None if widget.value is Select.NULL else widget.value
    if isinstance(widget, Checkbox | Input | SecretInput):
        return widget.value
    raise TypeError(f"not a form control: {widget!r}")
