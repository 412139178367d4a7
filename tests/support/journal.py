"""Helpers of the draft journal tests: the app started again, and a request held on the
wire while its writer is killed."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from tests.support.state_support import who
from tui.config import load_config
from tui.secrets import SecretStore
from tui.state import StateStore, liveness
from tui.state.intents import Writer
from tui.workspace import Workspace

DEST = "products"
LOGIN = "carol"


async def reopened(config_path: Path, state: StateStore, login: str = LOGIN) -> Workspace:
    """The app started again: a new workspace, the rows loaded afresh."""
    ws = Workspace(load_config(config_path), DEST, state, who(login), SecretStore())
    await ws.load()
    assert not ws.table.dirty
    take_over_gone(ws)
    return ws


def take_over_gone(ws: Workspace) -> None:
    """The user answered Restore to the first draft a gone session left (the restore
    itself is the caller's `ws.restore_draft()`)."""
    offers = ws.offers()
    if offers:  # refused when this session has a draft here already
        ws.state.journal.take_over(ws.who.login, offers[0].session.id, ws.dest.id)


class HeldOnTheWire:
    """The server holds its `nth` PATCH until told: the request a killed writer sent and
    never heard back from. Then it carries it out (`land`) or answers 503 changing nothing."""

    def __init__(self, server: Any, nth: int, land: bool) -> None:
        self.server, self.nth, self.land = server, nth, land
        self.arrived, self.go, self.finished = (threading.Event() for _ in range(3))
        self._handle, self._count = server.service.handle, itertools.count(1)
        server.service.handle = self._hold

    def _hold(self, request: Any) -> Any:
        if request.method != "PATCH" or next(self._count) != self.nth:
            return self._handle(request)
        self.arrived.set()
        self.go.wait(30)
        if not self.land:
            self.server.inject_faults(1, status=503)
        try:
            return self._handle(request)
        finally:
            self.finished.set()


def dead_writer(login: str) -> Writer:
    """A writer that was a real process of this machine and has ended (its start time
    read while it ran): its intents are those of an interrupted writeback."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    token = liveness.start_token(child.pid)
    child.communicate(b"")
    assert token is not None
    return Writer(login, "testhost", child.pid, token)
