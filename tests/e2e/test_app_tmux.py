"""As a person would: the real `writeback` command in a tmux terminal, keys typed,
the screen read back, and the demo server asked over HTTP what was written.

Runs with NO_COLOR, so it also shows that every state reads without colour.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.app import write_config
from tui.demo import DemoServer

TMUX = shutil.which("tmux")
if TMUX is None and os.environ.get("CI") == "true":
    raise RuntimeError("tmux is missing; .ci/install.sh installs it")
pytestmark = [pytest.mark.servers, pytest.mark.skipif(TMUX is None, reason="tmux is not installed")]


class Terminal:
    """One tmux session on a private server socket, 120x40."""

    def __init__(self, name: str) -> None:
        self.socket = name
        self.target = name

    def tmux(self, *args: str) -> str:
        run = subprocess.run(
            [str(TMUX), "-L", self.socket, *args], capture_output=True, text=True, timeout=20
        )
        return run.stdout

    def start(self, command: list[str], env: dict[str, str]) -> None:
        exports = [f"{k}={v}" for k, v in env.items()]
        # COLUMNS/LINES from the test runner would override the terminal's real size
        shell = " ".join(["env -u COLUMNS -u LINES", *exports, *(f"'{c}'" for c in command)])
        self.tmux("new-session", "-d", "-s", self.target, "-x", "120", "-y", "40", shell)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.target)

    def keys(self, *keys: str, literal: bool = False) -> None:
        for key in keys:  # special keys one by one, with a short pause, as typed
            self.tmux("send-keys", "-t", self.target, *(["-l"] if literal else []), key)
            time.sleep(0.15)

    def type(self, text: str) -> None:
        self.keys(text, literal=True)

    def wait_for(self, found: Callable[[str], bool], what: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.screen()
            if found(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"no {what} on the screen within {timeout} s:\n{self.screen()}")

    def alive(self) -> bool:
        run = subprocess.run([str(TMUX), "-L", self.socket, "has-session", "-t", self.target])
        return run.returncode == 0

    def kill(self) -> None:
        subprocess.run([str(TMUX), "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal(f"wbtest{os.getpid()}")
    try:
        yield term
    finally:
        term.kill()


def _command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("writeback")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "tui", *args]


def _env(tmp_path: Path) -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[2])  # the package, installed or not
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return {"NO_COLOR": "1", "TERM": "xterm-256color", "HOME": str(tmp_path), "PYTHONPATH": path}


def _wait_gone(terminal: Terminal) -> None:
    deadline = time.monotonic() + 10
    while terminal.alive():
        assert time.monotonic() < deadline, f"still running:\n{terminal.screen()}"
        time.sleep(0.2)


def test_edit_and_write_back_in_a_real_terminal(
    terminal: Terminal, tmp_path: Path, demo_server: DemoServer
) -> None:
    config = write_config(tmp_path, demo_server.api_url)
    terminal.start(_command("--config", str(config)), _env(tmp_path))
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
    _wait_gone(terminal)


def test_demo_command_opens_the_app_on_its_server(terminal: Terminal, tmp_path: Path) -> None:
    args = ("demo", "--rows", "200", "--data-dir", str(tmp_path / "demo"))
    terminal.start(_command(*args), _env(tmp_path))
    screen = terminal.wait_for(lambda s: "200 rows" in s and "loading" not in s, "demo rows")
    assert "products" in screen and "PRD-00001" in screen
    terminal.keys("C-q")
    _wait_gone(terminal)  # the app quit and the demo server with it
