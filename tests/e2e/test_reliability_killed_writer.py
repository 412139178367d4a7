"""Reliability end to end: a writer killed with SIGKILL mid-writeback and restarted writes
every row exactly once. The lock, the audit trail, the draft journal and the server's data
must tell one consistent story.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.support.journal import HeldOnTheWire, reopened
from tests.support.reliability import (
    DEST,
    LOGIN,
    check_and_release,
    done_per_row,
    patches,
    qty_on,
    trail,
)
from tests.support.state_backends import StateBackend
from tests.support.state_support import Children, RequestTap, write_config
from tui.workspace.report import LANDED

pytestmark = pytest.mark.slow  # real processes killed, restarted or racing

FIRST, BULK = 501, 50


async def test_killed_mid_writeback_a_restart_writes_every_row_exactly_once(
    tmp_path: Path, make_demo_server, state_backend: StateBackend
) -> None:
    """A writer of 50 rows, 4 requests at a time on a slow server, killed with SIGKILL
    while its 6th request is held by the server. Only the rows whose request had left
    (an intent, no outcome) are unknown; the restart drops rows written and rows whose
    value reached the server, holds the other unknown ones, keeps the rows never sent
    plain pending, and once the user has checked the held ones against the server,
    writes each remaining row once, after the dead writer's lease."""
    server = make_demo_server()
    tap = RequestTap(server)
    config = write_config(tmp_path, server, state=state_backend)
    ids = list(range(FIRST, FIRST + BULK))
    mine = {row_id: 7000 + row_id for row_id in ids}
    old = qty_on(server, ids)
    server.service.latency = 0.1
    wire = HeldOnTheWire(server, 6, land=True)
    with Children() as children:
        child = children.worker("bulk", str(config), LOGIN, str(FIRST), str(BULK), "1")
        ready = child.event("ready", timeout=60)
        printed = [child.event("result", timeout=30) for _ in range(10)]
        assert wire.arrived.wait(30)
        child.kill9()
    assert len(ready["changes"]) == BULK and {r["status"] for r in printed} == {"done"}
    tap.wait_idle()  # requests the dead writer left at the server are answered (into the void)
    server.service.latency = 0.0

    with state_backend() as state:
        # the killed writer's session is gone: its draft waits to be offered back
        assert [d for d in state.journal.others(LOGIN, DEST) if not d.alive]
        cut = state.intents.interrupted(DEST, LOGIN, drafted=True)
        done = {json.loads(i.ident)["key"]["id"] for i in cut if i.outcome == "done"}
        unknown = {json.loads(i.ident)["key"]["id"] for i in cut if i.outcome is None}
        id_of = {c["row"]: c["key"]["id"] for c in ready["changes"]}
        assert {id_of[r["row"]] for r in printed} <= done
        # the held request's row, and at most the other three on the wire with it
        assert 10 <= len(done) < BULK and 1 <= len(unknown) <= 4 and not unknown & done
        before = trail(state)
        assert done_per_row(before) == Counter(done), "the audit and the journal disagree"
        on_server = qty_on(server, ids)
        assert all(on_server[i] == mine[i] for i in done)
        landed = {i for i in set(ids) - done if on_server[i] == mine[i]}
        assert landed <= unknown, "a row never sent is on the server"
        assert all(on_server[i] == old[i] for i in set(ids) - done - landed)
        never_sent = set(ids) - done - unknown
        # written once each; a request the kill cut while it was being sent reached the
        # server truncated, and was refused changing nothing
        assert patches(server, status=204) == Counter(done | landed)
        cut_short = patches(server) - patches(server, status=204)
        assert cut_short == patches(server, status=400) and set(cut_short) <= set(ids) - done

        ws = await reopened(config, state, LOGIN)
        restored = ws.restore_draft()
        held_ids = unknown - landed
        assert restored is not None and restored.unknown == len(held_ids)
        assert {c.key["id"] for c in ws.table.changes()} == held_ids | never_sent
        assert {ws.table.key_of(row)["id"] for row in ws.held} == held_ids
        # the request held at the server lands now, after the restart loaded the rows
        wire.go.set()
        assert wire.finished.wait(30)
        server.service.handle = wire._handle
        [late] = [i for i, q in qty_on(server, sorted(held_ids)).items() if q == mine[i]]

        # the user checks each held row on the server: mine already there, or not
        taken, resent = check_and_release(ws, server)
        assert taken == {late} and resent == held_ids - {late}
        report = await ws.write_back()
        assert report.summary == f"{len(resent) + len(never_sent)} updated"
        after = trail(state)
        assert state.locks.get(DEST) is None
        assert state.journal.load(LOGIN, DEST) is None

    assert qty_on(server, ids) == mine
    assert patches(server, status=204) == Counter(ids), "a row written twice, or not at all"
    # a row went out again only after a request that changed nothing, and the user's check
    assert patches(server) - patches(server, status=204) == cut_short
    assert set(cut_short) <= resent
    new = after[len(before) :]
    # the dead writer's lease ran out and was taken over, not broken
    [takeover] = [e for e in new if e.event == "takeover"]
    assert takeover.before["pid"] == ready["pid"]
    # done exactly once per row written; a row the restart found written is audited so
    assert done_per_row(after) == Counter(done | resent | landed | never_sent)
    found = [e for e in after if e.error == LANDED]
    assert {e.row_key["id"] for e in found} == landed
    assert all(e.after == {"qty": mine[e.row_key["id"]]} for e in found)
    # a row that landed only after the restart was read back by the user, not written;
    # taking the server's values for it is audited, once
    [theirs] = [e for e in after if e.row_key and e.row_key["id"] == late]
    assert (theirs.event, theirs.outcome) == ("take_theirs", "done")
    assert theirs.before == theirs.after == {"qty": mine[late]}
