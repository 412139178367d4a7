"""Integration checks in the background: one request per integration, each result shown
in the integrations pane as it comes.  The app runs them now and then on a timer."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tui.app.panes.integrations import CHECKING, failed, ok, waiting
from tui.app.secret_prompt import label, refs_of, unanswered

if TYPE_CHECKING:
    from tui.app.panes.integrations import IntegrationsPane
    from tui.app.ui import RunWorker
    from tui.app.workbench import Workbench
    from tui.config.model import Integration

_REQUEST = re.compile(r" \[[A-Z]+ [^\]]*\]$")  # " [GET https://...]" after a check's detail


class Checker:
    def __init__(self, bench: Workbench, pane: IntegrationsPane, run_worker: RunWorker) -> None:
        self.bench = bench
        self.pane = pane
        self.run_worker = run_worker

    def run_all(self) -> None:
        for integration in self.bench.config.integrations.values():
            self.run(integration)

    def run(self, integration: Integration) -> None:
        bench, pane = self.bench, self.pane
        if bench.asks_secrets:
            missing = unanswered(refs_of(integration), bench.answers)
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
