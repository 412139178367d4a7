"""Sessions whose process is gone, for the tests of drafts per session."""

from __future__ import annotations

import socket
import subprocess
import sys

from tui.state import StateStore
from tui.state.db import now_us
from tui.state.liveness import start_token
from tui.state.sessions import COLUMNS


def killed_process() -> tuple[int, str | None]:
    """The pid and start token of a process that ran on this host and was killed."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    token = start_token(child.pid)
    child.kill()
    child.wait()
    return child.pid, token


def dead_session_of(store: StateStore, login: str) -> str:
    """A session of `login` whose process was killed (never ended): its id."""
    pid, token = killed_process()
    sid = f"killed-{pid}-{now_us()}"
    with store.db.write() as conn:
        conn.execute(
            f"INSERT INTO sessions ({COLUMNS}) VALUES (?, ?, ?, ?, '', ?, 'app', ?, ?, 120, NULL)",
            (sid, login, socket.gethostname(), pid, token, now_us(), now_us()),
        )
    return sid


def die(store: StateStore, session: str) -> None:
    """The process behind `session` is killed (its row now names a killed process)."""
    pid, token = killed_process()
    with store.db.write() as conn:
        conn.execute("UPDATE sessions SET pid = ?, started = ? WHERE id = ?", (pid, token, session))
