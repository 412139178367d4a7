"""Two sessions of one login in two tmux terminals on one state file: each keeps a draft
of its own; one killed with -9, the other keeps its draft, and the next start offers
the dead one's draft back."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.app import write_config
from tests.support.terminal import TMUX, Terminal, command, wait_gone
from tests.support.terminal import env as terminal_env
from tui.demo import DemoServer
from tui.state import StateStore

pytestmark = [
    pytest.mark.servers,
    pytest.mark.slow,
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed"),
]
DEST = "products"


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    made = [Terminal(f"wbtwo{os.getpid()}x{n}") for n in range(3)]
    try:
        yield made
    finally:
        for term in made:
            term.kill()


def loaded(term: Terminal) -> None:
    term.wait_for(lambda s: "5,000 rows" in s and "loading" not in s, "loaded grid", 60)


def rename(term: Terminal, downs: int, name: str, *, first: bool = True) -> None:
    """The name `downs` rows below the cursor (from the first cell: the first row's)."""
    term.keys(*(["Down"] * downs), *(["Right", "Right"] if first else []), "Enter")
    term.type(name)
    term.keys("Enter")
    count = "1 changed" if first else "2 changed"
    term.wait_for(lambda s: count in s, "change count")


def drafts(state: StateStore) -> dict[int, list[str]]:
    """pid of each session with a draft -> the names its draft sets."""
    out: dict[int, list[str]] = {}
    for session in state.sessions.of_login(state_login(state)):
        draft = state.journal.load_of(session.id, session.login, DEST)
        if draft is not None:
            names = [u["set"].get("name") for u in draft.snapshot["updates"]]
            out[session.pid] = sorted(n for n in names if n)
    return out


def state_login(state: StateStore) -> str:
    [(login,)] = state.db.read("SELECT DISTINCT login FROM sessions")
    return str(login)


def until(condition, what: str, timeout: float = 20):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"not {what} within {timeout} s"
        time.sleep(0.2)
    return found


def test_two_sessions_of_one_login_keep_their_drafts_and_a_killed_ones_is_offered(
    terminals: list[Terminal], tmp_path: Path, demo_server: DemoServer
) -> None:
    a, b, c = terminals
    config = write_config(tmp_path, demo_server.api_url)
    env = terminal_env(tmp_path)
    a.start(command("--config", str(config)), env)
    loaded(a)
    rename(a, 0, "From A")
    with StateStore(tmp_path / "state.db") as state:
        [pid_a] = until(lambda: list(drafts(state)), "A's draft")
        assert drafts(state)[pid_a] == ["From A"]
        b.start(command("--config", str(config)), env)
        # named once B's rows are in (a toast of 10 s: looked for as soon as B starts)
        b.wait_for(lambda s: "another session of yours" in s, "the other session named", 60)
        loaded(b)
        rename(b, 1, "From B")
        both = until(lambda: len(drafts(state)) == 2 and drafts(state), "two drafts")
        [pid_b] = set(both) - {pid_a}
        assert both == {pid_a: ["From A"], pid_b: ["From B"]}
        # A edits on after B's edit: B's draft stays as it was
        rename(a, 2, "Again A", first=False)
        until(lambda: drafts(state)[pid_a] == ["Again A", "From A"], "A's second edit")
        assert drafts(state)[pid_b] == ["From B"]

        os.kill(pid_a, signal.SIGKILL)
        wait_gone(a)
        assert "1 changed" in b.screen() and drafts(state)[pid_b] == ["From B"]

        c.start(command("--config", str(config)), env)
        loaded(c)
        offer = c.wait_for(lambda s: "Unsaved changes to products" in s, "the dead one's draft")
        assert "by a session that" in offer and f"pid {pid_a} " in offer
        assert "2 changed" in offer
        c.keys("Escape")  # Restore (escape never throws changes away)
        c.wait_for(lambda s: "2 changed" in s and "Again A" in s, "the restored edits")
        after = drafts(state)
        assert after[pid_b] == ["From B"] and pid_a not in after
        assert ["Again A", "From A"] in after.values()
