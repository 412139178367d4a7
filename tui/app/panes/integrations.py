"""The integrations pane: each REST service with its status, checked in the background
(one request per integration, each result shown as it comes; the app runs the checks
now and then on a timer).

States are told by a symbol and words as well as colour, so they read the same
with NO_COLOR: ✓ reachable, ✗ and the error, … being checked, ? waiting for a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.app.keys import bind
from tui.app.panes.listpane import ListPane
from tui.app.requests import AddIntegration, CheckIntegrations, EditIntegration, RemoveEntry
from tui.workspace.answers import label

if TYPE_CHECKING:
    from tui.app.ui import RunWorker
    from tui.config.model import Integration
    from tui.workspace.workbench import Workbench

_REQUEST = re.compile(r" \[[A-Z]+ [^\]]*\]$")  # " [GET https://...]" after a check's detail


@dataclass(frozen=True)
class CheckStatus:
    mark: str  # ✓ ✗ … ?
    words: str = ""  # the error or what is awaited; empty when fine
    style: str = ""
    detail: str = ""  # for the tooltip: "200 in 12 ms (json)"


CHECKING = CheckStatus("…", "", "$text-muted")
NEEDS_SECRET = "?"


def ok(detail: str = "") -> CheckStatus:
    return CheckStatus("✓", "", "$success", detail)


def failed(words: str) -> CheckStatus:
    return CheckStatus("✗", words, "$error")


def waiting(words: str) -> CheckStatus:
    return CheckStatus(NEEDS_SECRET, words, "$warning")


class IntegrationsPane(ListPane):
    TITLE = "Integrations"
    BINDINGS = [
        bind("integrations.add", "a", "add", "add"),
        bind("integrations.edit", "e", "edit", "edit"),
        bind("integrations.remove", "d,delete", "remove", "remove", key_display="d"),
        bind("integrations.check", "c", "check", "check"),
    ]

    class Highlighted(Message):
        def __init__(self, integration: str) -> None:
            super().__init__()
            self.integration = integration

    class IntegrationChosen(Message):
        """Enter on an integration: its destinations are next."""

        def __init__(self, integration: str) -> None:
            super().__init__()
            self.integration = integration

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.statuses: dict[str, CheckStatus] = {}

    def show(self, names: list[str], select: str | None = None) -> None:
        """List `names` (keeping known statuses) and highlight `select`."""
        self.statuses = {n: self.statuses.get(n, CHECKING) for n in names}
        options = self.options
        options.set_options(Option(self._prompt(n), id=n) for n in names)
        if select in self.statuses:
            options.highlighted = names.index(select)
        if not names:
            options.set_options([Option("no integrations yet: press a to add one", disabled=True)])

    def set_status(self, name: str, status: CheckStatus) -> None:
        if name not in self.statuses or self.statuses[name] == status:
            return
        self.statuses[name] = status
        self.options.replace_option_prompt(name, self._prompt(name))

    def _prompt(self, name: str) -> Content:
        status = self.statuses[name]
        prompt = Content.assemble((status.mark, status.style), " ", (name, "bold"))
        if status.words:
            prompt = Content.assemble(prompt, "\n  ", (status.words, status.style))
        return prompt

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Highlighted(event.option.id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.IntegrationChosen(event.option.id))

    def action_add(self) -> None:
        self.post_message(AddIntegration())

    def action_edit(self) -> None:
        if self.selected:
            self.post_message(EditIntegration(self.selected))

    def action_remove(self) -> None:
        if self.selected:
            self.post_message(RemoveEntry("integrations", self.selected))

    def action_check(self) -> None:
        self.post_message(CheckIntegrations())


class Checker:
    """Checks the integrations in workers, showing each result in the pane as it comes."""

    def __init__(self, bench: Workbench, pane: IntegrationsPane, run_worker: RunWorker) -> None:
        self.bench = bench
        self.pane = pane
        self.run_worker = run_worker

    def run_all(self) -> None:
        for integration in self.bench.config.integrations.values():
            self.run(integration)

    def run(self, integration: Integration) -> None:
        pane = self.pane
        missing = self.bench.missing_secrets(integration)
        if missing:  # asked for when a destination of it is opened, not by surprise
            pane.set_status(integration.id, waiting(f"needs {label(missing[0])}"))
            return
        if pane.statuses.get(integration.id) is None:
            pane.set_status(integration.id, CHECKING)
        self.run_worker(
            self._check(integration), name=f"check {integration.id}", group="check",
            exit_on_error=False,
        )  # fmt: skip

    async def _check(self, integration: Integration) -> None:
        from tui.rest.check import check_integration

        result = await check_integration(integration, self.bench.secrets)
        detail = _REQUEST.sub("", result.detail)  # the pane is narrow: the URL is known
        status = ok(result.detail) if result.ok else failed(f"{result.verdict}: {detail}")
        self.pane.set_status(integration.id, status)
