"""Adding, editing and removing integrations and destinations through the config forms;
after a form saves the file the app re-reads it and rebuilds its panes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app.requests import Section
    from tui.app.ui import PushScreen
    from tui.app.workbench import Workbench


class Configure:
    def __init__(self, bench: Workbench, push: PushScreen, saved: Callable[[], None]) -> None:
        self.bench = bench
        self.push = push
        self.saved = saved  # the file changed: re-read it

    @property
    def path(self) -> Path:
        return self.bench.config_path

    def add_integration(self) -> None:
        from tui.app.screens.forms import IntegrationForm

        self.push(IntegrationForm(self.path), self._closed)

    def edit_integration(self, integration: str) -> None:
        from tui.app.screens.forms import IntegrationForm

        self.push(IntegrationForm(self.path, integration), self._closed)

    def add_destination(self, integration: str | None) -> None:
        from tui.app.screens.forms import DestinationForm

        self.push(DestinationForm(self.path, None, integration_id=integration), self._closed)

    def edit_destination(self, destination: str) -> None:
        from tui.app.screens.forms import DestinationForm

        dest = self.bench.config.destinations[destination]
        form = DestinationForm(self.path, destination, integration_id=dest.integration)
        self.push(form, self._closed)

    def remove(self, section: Section, ident: str) -> None:
        from tui.app.screens.forms import RemoveScreen

        self.push(RemoveScreen(self.path, section, ident), self._closed)

    def _closed(self, saved: bool | None) -> None:
        if saved:
            self.saved()
