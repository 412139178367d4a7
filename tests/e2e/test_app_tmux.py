"""As a person would: the real `writeback` command in a tmux terminal, keys typed,
the screen read back, and the demo server asked over HTTP what was written.

Runs with NO_COLOR, so it also shows that every state reads without colour.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.support.app import write_config
from tests.support.terminal import NEEDS_TMUX, Terminal, command, env, wait_gone
from tui.demo import DemoServer

pytestmark = [pytest.mark.servers, NEEDS_TMUX]


def test_edit_and_write_back_in_a_real_terminal(
    terminal: Terminal, tmp_path: Path, demo_server: DemoServer
) -> None:
    config = write_config(tmp_path, demo_server.api_url)
    terminal.start(command("--config", str(config)), env(tmp_path))
    screen = terminal.wait_for(lambda s: "5,000 rows" in s and "loading" not in s, "loaded grid")
    assert "Sable Compact Access Point" in screen
    screen = terminal.wait_for(lambda s: "✓ demo" in s, "integration check")
    assert "unlocked" in screen and "no changes" in screen  # states in words, not colour

    terminal.keys("Right", "Right", "Enter")  # the name of row 1, in the cell editor
    terminal.type("Typed in tmux")
    terminal.keys("Enter")
    terminal.wait_for(lambda s: "1 changed" in s, "change count")
    terminal.keys("C-s")
    terminal.wait_for(lambda s: "change 1 value" in s, "preview")
    terminal.keys("Enter")  # write now

    deadline = time.monotonic() + 20
    url = f"{demo_server.api_url}/products/1"
    while httpx.get(url, timeout=10).json()["name"] != "Typed in tmux":
        assert time.monotonic() < deadline, f"not written:\n{terminal.screen()}"
        time.sleep(0.2)
    terminal.wait_for(lambda s: "1 updated" in s, "writeback summary")
    terminal.keys("Enter")  # close the progress screen
    terminal.wait_for(lambda s: "no changes" in s, "clean status line")
    terminal.keys("C-q")
    wait_gone(terminal)


def test_demo_command_opens_the_app_on_its_server(terminal: Terminal, tmp_path: Path) -> None:
    args = ("demo", "--rows", "200", "--data-dir", str(tmp_path / "demo"))
    terminal.start(command(*args), env(tmp_path))
    screen = terminal.wait_for(lambda s: "200 rows" in s and "loading" not in s, "demo rows")
    assert "products" in screen and "PRD-00001" in screen
    terminal.keys("C-q")
    wait_gone(terminal)  # the app quit and the demo server with it
