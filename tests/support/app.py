"""Helpers for the app tests: a demo config in tmp_path, fixed identities, waiting.

Also a pytest plugin (tests/conftest.py): the `config` and `state` fixtures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tui.app import make_app
from tui.app.app import WritebackApp
from tui.demo import DemoServer
from tui.demo.config_text import demo_config_text
from tui.secrets import SecretStore
from tui.state import Identity, StateStore

ALICE = Identity("alice", "testhost", 1001, None)
BOB = Identity("bob", "otherhost", 4242, None)


def write_config(folder: Path, api_url: str, extra: str = "") -> Path:
    path = folder / "writeback.toml"
    path.write_text(demo_config_text(api_url, folder / "state.db") + extra, encoding="utf-8")
    return path


@pytest.fixture
def config(tmp_path: Path, demo_server: DemoServer) -> Path:
    """The demo config for a fresh demo server, with its state in tmp_path."""
    return write_config(tmp_path, demo_server.api_url)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(tmp_path / "state.db") as store:
        yield store


def app_for(
    config: Path, state: StateStore, who: Identity = ALICE, *, secrets: SecretStore | None = None
) -> WritebackApp:
    return make_app(config, identity=who, state=state, secrets=secrets, check_interval=0)


async def wait_until(
    pilot: Pilot, condition: Callable[[], object], timeout: float = 10.0, what: str = ""
) -> None:
    """Let the app run until `condition()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what or condition}")
        await pilot.pause(0.05)


async def loaded(pilot: Pilot, dest: str = "products") -> WritebackApp:
    """Wait until `dest` is open and all its rows are in."""
    app: WritebackApp = pilot.app  # type: ignore[assignment]
    await wait_until(pilot, lambda: dest in app.bench.loaded, what=f"{dest} loaded")
    await pilot.pause()
    return app
