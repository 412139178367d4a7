"""The Textual app: panes, the grid, screens.  Only this package imports textual.

`make_app` is the one factory for the command line and the tests; textual is
imported when it is called, so importing this package stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app.app import WritebackApp
    from tui.secrets import SecretStore
    from tui.state import Identity, StateStore


def make_app(
    config_path: Path,
    *,
    identity: Identity | None = None,
    state: StateStore | None = None,
    secrets: SecretStore | None = None,
    check_interval: float = 30.0,
) -> WritebackApp:
    """The app on the configuration at `config_path` (raises ConfigError when it is invalid).

    `identity`, `state` and `secrets` default to this process's OS account, the state
    the config names and a store that asks in the app; tests pass their own.
    """
    from tui.app.app import WritebackApp
    from tui.workspace.workbench import Workbench

    bench = Workbench.open(Path(config_path), identity=identity, state=state, secrets=secrets)
    return WritebackApp(bench, check_interval=check_interval)
