"""The app's write-back, in a real terminal, killed with SIGKILL at random points on a server
that takes a while per request. Exactly the rows in flight are unknown; the next start
audits those the server holds, holds the others, keeps the rows never sent pending and
none of its own audited writes is taken for a change on the server; once the held rows
are checked, every row is written once and the audit equals the server.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.journal import take_over_gone
from tests.support.reliability import DEST, check_and_release, qty_on
from tests.support.state_backends import StateBackend
from tests.support.state_support import RequestTap, write_config
from tests.support.terminal import NEEDS_TMUX, Terminal, command, env
from tui.config import load_config
from tui.secrets import SecretStore
from tui.state import current_identity
from tui.workspace import Workspace
from tui.workspace.report import LANDED

pytestmark = [pytest.mark.slow, pytest.mark.servers, NEEDS_TMUX]

FIRST, ROWS, TRIALS, CONCURRENCY = 601, 120, 10, 4


def _patches(tap: RequestTap, since: int, ok: bool = False) -> Counter[int]:
    return Counter(
        int(t.path.rsplit("/", 1)[1])
        for t in tap.log[since:]
        if t.method == "PATCH" and (not ok or 200 <= t.status < 300)
    )


async def _drafted(config: Path, state, mine: dict[int, int]) -> None:  # type: ignore[no-untyped-def]
    """The edits, as the app journals them: the draft it offers back on start."""
    ws = Workspace(load_config(config), DEST, state, current_identity(), SecretStore())
    await ws.load()
    for row_id, qty in mine.items():
        ws.table.edit(ws.table.find({"id": row_id}), "qty", qty)
    ws.journal()
    state.end_session()  # as the app that made them quit: the next start offers the draft


async def test_the_app_killed_mid_writeback_leaves_exactly_the_rows_in_flight_unknown(
    tmp_path: Path, make_demo_server, state_backend: StateBackend, terminal: Terminal
) -> None:
    server = make_demo_server()
    tap = RequestTap(server)
    config = write_config(
        tmp_path, server, integration=f"max_concurrency = {CONCURRENCY}\n", state=state_backend
    )
    login = current_identity().login
    rng = random.Random(2424)
    started = time.monotonic()
    in_flight: list[int] = []
    for trial in range(TRIALS):
        mine = {i: 200_000 * (trial + 1) + i for i in range(FIRST, FIRST + ROWS)}
        ids = sorted(mine)
        with state_backend() as state:
            await _drafted(config, state, mine)
        since = len(tap.log)
        terminal.start(command("--config", str(config)), env(tmp_path))
        terminal.wait_for(lambda s: "Unsaved changes" in s, "the draft offered", timeout=60)
        terminal.keys("Escape")  # restore
        terminal.wait_for(lambda s: f"{ROWS} changed" in s, "the restored edits")
        server.service.latency = 0.03
        terminal.keys("C-s")
        terminal.wait_for(lambda s: "Write now" in s or "write now" in s, "the preview")
        terminal.keys("Enter")
        wanted = rng.randint(0, 30)
        deadline = time.monotonic() + 30
        while sum(_patches(tap, since).values()) < wanted:
            assert time.monotonic() < deadline, terminal.screen()
            time.sleep(0.005)
        terminal.kill9()
        tap.wait_idle()
        server.service.latency = 0.0

        with state_backend() as state:
            cut = state.intents.interrupted(DEST, login, drafted=True)
            entries = state.audit.query(destination=DEST, limit=None)
            audited = {
                e.row_key["id"]
                for e in entries
                if e.event == "update"
                and e.outcome == "done"
                and e.after == {"qty": mine[e.row_key["id"]]}
            }
            unknown = {json.loads(i.ident)["key"]["id"] for i in cut if i.outcome is None}
            received = set(_patches(tap, since))
            assert received - audited <= unknown, (trial, received - audited, unknown)
            assert not unknown & audited and len(unknown) <= CONCURRENCY
            in_flight.append(len(unknown))

            # the next start: the draft restored, the unknown rows read back
            ws = Workspace(load_config(config), DEST, state, current_identity(), SecretStore())
            await ws.load()
            take_over_gone(ws)  # Restore, answered to the killed app's draft
            restored = ws.restore_draft()
            assert restored is not None and not restored.problems, restored
            on_server = qty_on(server, ids)
            landed = {i for i in unknown if on_server[i] == mine[i]}
            held = {ws.table.key_of(r)["id"] for r in ws.held}
            assert held == unknown - landed
            pending = {c.key["id"] for c in ws.table.changes()}
            assert pending == set(ids) - audited - landed, "written rows are not pending again"
            check_and_release(ws, server)
            report = await ws.write_back()
            assert not report.conflicts, "an audited write of ours taken for theirs"
            entries = state.audit.query(destination=DEST, limit=None)
        done = Counter(
            e.row_key["id"]
            for e in entries
            if e.event == "update"
            and e.outcome == "done"
            and e.after == {"qty": mine[e.row_key["id"]]}
        )
        found = {
            e.row_key["id"] for e in entries if e.error == LANDED and e.row_key["id"] in landed
        }
        assert found == landed
        assert qty_on(server, ids) == mine
        assert set(done) == set(ids) and max(done.values()) == 1, "audit equals server"
        assert max(_patches(tap, since, ok=True).values()) == 1, "a row sent twice"
    assert sum(in_flight) > 0, "no kill caught a request in flight"
    assert time.monotonic() - started < 180
