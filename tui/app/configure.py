"""Adding, editing and removing integrations and destinations through the config forms;
after a form saves the file the app re-reads it and rebuilds its panes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tui.app.app import WritebackApp


class Configure:
    def __init__(self, app: WritebackApp) -> None:
        self.app = app

    @property
    def path(self) -> Path:
        return self.app.bench.config_path

    def add_integration(self) -> None:
        from tui.app.screens.forms import IntegrationForm

        self.app.push_screen(IntegrationForm(self.path), self._saved)

    def edit_integration(self, integration: str) -> None:
        from tui.app.screens.forms import IntegrationForm

        self.app.push_screen(IntegrationForm(self.path, integration), self._saved)

    def add_destination(self, integration: str | None) -> None:
        from tui.app.screens.forms import DestinationForm

        form = DestinationForm(self.path, None, integration_id=integration)
        self.app.push_screen(form, self._saved)

    def edit_destination(self, destination: str) -> None:
        from tui.app.screens.forms import DestinationForm

        dest = self.app.bench.config.destinations[destination]
        form = DestinationForm(self.path, destination, integration_id=dest.integration)
        self.app.push_screen(form, self._saved)

    def remove(self, section: Literal["integrations", "destinations"], ident: str) -> None:
        from tui.app.screens.forms import RemoveScreen

        self.app.push_screen(RemoveScreen(self.path, section, ident), self._saved)

    def _saved(self, saved: bool | None) -> None:
        if saved:
            self.app.reload_config()
