"""A real terminal for the tests that drive the app as a person would: tmux on a private
socket, keys typed, the screen read back."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
if TMUX is None and os.environ.get("CI") == "true":
    raise RuntimeError("tmux is missing; .ci/install.sh installs it")
NEEDS_TMUX = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


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

    def pid(self) -> int:
        """The pid of the command the session runs."""
        return int(self.tmux("list-panes", "-t", self.target, "-F", "#{pane_pid}").split()[0])

    def kill9(self) -> None:
        """SIGKILL the command (the app), and wait until its session is gone."""
        os.kill(self.pid(), signal.SIGKILL)
        wait_gone(self)

    def kill(self) -> None:
        subprocess.run([str(TMUX), "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal(f"wbtest{os.getpid()}")
    try:
        yield term
    finally:
        term.kill()


def command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("writeback")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "tui", *args]


def env(tmp_path: Path) -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[2])  # the package, installed or not
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return {"NO_COLOR": "1", "TERM": "xterm-256color", "HOME": str(tmp_path), "PYTHONPATH": path}


def wait_gone(terminal: Terminal) -> None:
    deadline = time.monotonic() + 10
    while terminal.alive():
        assert time.monotonic() < deadline, f"still running:\n{terminal.screen()}"
        time.sleep(0.2)
