"""Integration checks in the background: one request per integration, now and then
every `interval` seconds, each result shown in the integrations pane as it comes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tui.app.panes.integrations import CHECKING, failed, ok, waiting
from tui.app.secret_prompt import label, refs_of, unanswered

if TYPE_CHECKING:
    from tui.app.app import WritebackApp
    from tui.config.model import Integration

_REQUEST = re.compile(r" \[[A-Z]+ [^\]]*\]$")  # " [GET https://...]" after a check's detail


class Checker:
    def __init__(self, app: WritebackApp, interval: float) -> None:
        self.app = app
        self.interval = interval

    def start(self) -> None:
        self.run_all()
        if self.interval > 0:
            self.app.set_interval(self.interval, self.run_all, name="check integrations")

    def run_all(self) -> None:
        for integration in self.app.bench.config.integrations.values():
            self.run(integration)

    def run(self, integration: Integration) -> None:
        bench = self.app.bench
        pane = self.app.integrations
        if bench.asks_secrets:
            missing = unanswered(refs_of(integration), bench.answers)
            if missing:  # asked for when a destination of it is opened, not by surprise
                pane.set_status(integration.id, waiting(f"needs {label(missing[0])}"))
                return
        if pane.statuses.get(integration.id) is None:
            pane.set_status(integration.id, CHECKING)
        self.app.run_worker(
            self._check(integration), name=f"check {integration.id}", group="check",
            exit_on_error=False,
        )  # fmt: skip

    async def _check(self, integration: Integration) -> None:
        from tui.rest.check import check_integration

        result = await check_integration(integration, self.app.bench.secrets)
        detail = _REQUEST.sub("", result.detail)  # the pane is narrow: the URL is known
        status = ok(result.detail) if result.ok else failed(f"{result.verdict}: {detail}")
        self.app.integrations.set_status(integration.id, status)
