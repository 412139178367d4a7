"""Reliability end to end: the demo server restarted mid-writeback, the request on the wire
when it went away either carried out or lost. No row is lost or written twice; the audit
trail, the draft journal and the server's data must tell one consistent story.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

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
from tests.support.state_support import write_config
from tui.demo import DemoServer
from tui.state import StateStore
from tui.state.audit import AuditEntry

pytestmark = pytest.mark.slow  # real processes killed, restarted or racing

RESTART_IDS = list(range(601, 631))
CUT = 11  # the server goes away while the 11th row is on the wire


def stop_when_held(server: DemoServer, wire: HeldOnTheWire) -> None:
    """The server stops with a request inside it, cutting that connection; then the
    request carries on, landing or not, its answer going nowhere."""
    assert wire.arrived.wait(30)
    server.stop()
    wire.go.set()
    assert wire.finished.wait(30)


def outcomes_of(state: StateStore, writeback_id: str) -> dict[int, AuditEntry]:
    entries = [e for e in trail(state) if e.writeback_id == writeback_id]
    by_id = {e.row_key["id"]: e for e in entries}
    assert len(by_id) == len(entries), "a row audited twice in one writeback"
    return by_id


def assert_audit_matches(audited: dict[int, AuditEntry], server: Any, land: bool) -> None:
    """What the audit says happened is what the server holds."""
    on_server = qty_on(server, audited)
    for row_id, entry in audited.items():
        landed = entry.outcome == "done" or (entry.outcome == "unknown" and land)
        assert on_server[row_id] == (entry.after if landed else entry.before)["qty"], entry


@pytest.mark.parametrize("land", [True, False], ids=["cut-request-landed", "cut-request-lost"])
async def test_the_server_restarted_mid_writeback_loses_no_row(
    tmp_path: Path, make_demo_server, state_backend: StateBackend, land: bool
) -> None:
    """30 rows one at a time; the server stops with the 11th inside it and comes back on
    the same port and file. The 10 before are done, the 11th unknown and held, the rest
    refused unsent and still pending; a second writeback sends those, and the 11th goes
    again only if the user's check finds it did not land."""
    server = make_demo_server()
    # one request at a time, none retried: rows after the cut are refused, not delayed
    one_by_one = "max_concurrency = 1\nretries = 0\n"
    config = write_config(tmp_path, server, state=state_backend, integration=one_by_one)
    ids, cut = RESTART_IDS, RESTART_IDS[CUT - 1]
    mine = {row_id: 8000 + row_id for row_id in ids}
    with state_backend() as state:
        ws = await reopened(config, state, LOGIN)
        for row_id, qty in mine.items():
            ws.table.edit(ws.table.find({"id": row_id}), "qty", qty)
        ws.journal()
        wire = HeldOnTheWire(server, CUT, land)
        stopper = threading.Thread(target=stop_when_held, args=(server, wire), daemon=True)
        stopper.start()
        first = await ws.write_back()
        stopper.join(30)
        assert wire.finished.is_set() and state.locks.get(DEST) is None

        status = {ws.table.key_of(int(r.row_id))["id"]: r for r in first.results}
        assert [status[i].status for i in ids] == ["done"] * (CUT - 1) + ["unknown"] + [
            "failed"
        ] * (len(ids) - CUT)
        assert status[cut].message.startswith("outcome unknown, check the server")
        assert {status[i].message for i in ids[CUT:]} == {"not sent: connection refused"}
        # failed rows stay pending, the unknown one is held back
        assert {c.key["id"] for c in ws.table.changes()} == set(ids[CUT - 1 :])
        assert {ws.table.key_of(row)["id"] for row in ws.held} == {cut}
        audited = outcomes_of(state, first.writeback_id)
        assert {i: e.outcome for i, e in audited.items()} == {i: status[i].status for i in ids}

        with DemoServer(server.db_path, port=server.port) as restarted:
            assert restarted.api_url == server.api_url
            assert_audit_matches(audited, restarted, land)
            second = await ws.write_back()
            assert second.summary == f"{len(ids) - CUT} updated"
            assert state.locks.get(DEST) is None
            assert_audit_matches(outcomes_of(state, second.writeback_id), restarted, land)
            taken, resent = check_and_release(ws, restarted)
            assert (taken, resent) == (({cut}, set()) if land else (set(), {cut}))
            if resent:
                assert (await ws.write_back()).summary == "1 updated"
            assert not ws.table.dirty and state.journal.load(LOGIN, DEST) is None
            assert state.locks.get(DEST) is None
            assert qty_on(restarted, ids) == mine
            sent_after = patches(restarted)
        everything = trail(state)

    # no row went out twice: each once to one server or the other, the cut one resent
    # only after the user checked it
    assert patches(server) == Counter(ids[:CUT])
    assert sent_after == Counter(ids[CUT:] + ([] if land else [cut]))
    expected_done = Counter(ids) - Counter([cut] if land else [])
    assert done_per_row(everything) == expected_done
    assert [e.row_key["id"] for e in everything if e.outcome == "unknown"] == [cut]
