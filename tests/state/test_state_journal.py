"""The draft journal: kill -9 while editing and during a writeback, then restart."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.journal import DEST, LOGIN, HeldOnTheWire, dead_writer, reopened
from tests.support.state_backends import StateBackend
from tests.support.state_support import Children, who, write_config
from tui.config import load_config
from tui.secrets import SecretStore
from tui.state.intents import Planned
from tui.state.journal import ident_text
from tui.workspace import Workspace
from tui.workspace.report import LANDED

pytestmark = pytest.mark.slow  # processes killed with -9 and restarted


def plain(data: Any) -> Any:
    """As it crossed the process boundary: JSON."""
    return json.loads(json.dumps(data, default=str))


def changes_of(ws: Workspace) -> list[dict[str, Any]]:
    return plain(
        [
            {"op": c.op, "row": c.row, "key": c.key, "set": c.set, "was": c.was, "values": c.values}
            for c in ws.table.changes()
        ]
    )


def patched_ids(server: Any, since: int) -> list[int]:
    """Product ids PATCHed among the server's requests after request number `since`."""
    recent = list(server.recent_requests)
    recent = recent[len(recent) - (server.request_count - since) :]
    return [int(path.rsplit("/", 1)[1]) for method, path, _s in recent if method == "PATCH"]


# ------------------------------------------------------------------ killed while editing


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP], ids=["kill-9", "ssh-dropped"])
async def test_killed_while_editing_the_change_set_comes_back_exactly(
    tmp_path: Path, demo_server, sig: int, state_backend: StateBackend
) -> None:
    config_path = write_config(tmp_path, demo_server, state=state_backend)
    with Children() as children:
        child = children.worker("edit", str(config_path), LOGIN)
        ready = child.event("ready", timeout=60)
        child.kill9(sig)
    assert child.popen.returncode == -sig
    with state_backend() as state:
        ws = await reopened(config_path, state)
        restored = ws.restore_draft()
        assert restored is not None
        assert (restored.problems, restored.unknown) == ([], 0)
        assert restored.words == "2 changed, 1 new, 1 deleted"
        assert changes_of(ws) == ready["changes"]
        assert plain(ws.table.snapshot()) == ready["snapshot"]
        # someone else's draft is theirs alone
        assert (await reopened(config_path, state, "dave")).restore_draft() is None


async def test_the_draft_is_cleared_when_written_back_or_discarded(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config_path = write_config(tmp_path, demo_server, state=state_backend)
    with state_backend() as state:
        ws = await reopened(config_path, state)
        ws.table.edit(ws.table.find({"id": 50}), "qty", 5050)
        ws.journal()
        assert state.journal.load(LOGIN, DEST) is not None
        report = await ws.write_back()
        assert report.summary == "1 updated"
        assert state.journal.load(LOGIN, DEST) is None
        ws.table.edit(ws.table.find({"id": 51}), "qty", 5151)
        ws.journal()
        ws.discard()
        assert not ws.table.dirty and state.journal.load(LOGIN, DEST) is None
        assert (await reopened(config_path, state)).restore_draft() is None


async def test_a_push_workspace_leaves_the_users_draft_alone(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config_path = write_config(tmp_path, demo_server, state=state_backend)
    with state_backend() as state:
        app = await reopened(config_path, state)
        app.table.edit(app.table.find({"id": 52}), "qty", 5252)
        app.journal()
        push = Workspace(
            load_config(config_path), DEST, state, who(LOGIN), SecretStore(), journaled=False
        )
        await push.load()
        push.table.edit(push.table.find({"id": 53}), "qty", 5353)
        push.journal()
        assert (await push.write_back()).summary == "1 updated"
        draft = state.journal.load(LOGIN, DEST)
        assert draft is not None and [u["key"] for u in draft.snapshot["updates"]] == [{"id": 52}]


# ------------------------------------------------------------------ killed during a writeback


async def crash_mid_writeback(
    tmp_path: Path, server: Any, land: bool, state_backend: StateBackend
) -> dict[str, Any]:
    """A writer of six rows killed with its third request on the wire."""
    # one request at a time, so that two rows are done and four are not when it dies
    config_path = write_config(
        tmp_path, server, state=state_backend, integration="max_concurrency = 1\n"
    )
    wire = HeldOnTheWire(server, 3, land)
    with Children() as children:
        child = children.worker("write", str(config_path), LOGIN, "6")
        ready = child.event("ready", timeout=60)
        results = [child.event("result", timeout=30) for _ in range(2)]
        assert wire.arrived.wait(30)
        child.kill9()
    wire.go.set()
    assert wire.finished.wait(30)
    server.service.handle = wire._handle
    assert {r["status"] for r in results} == {"done"}
    ids = {c["row"]: c["key"]["id"] for c in ready["changes"]}
    sent = sorted(ids)  # rows go in row order
    return {
        "config": config_path,
        "ready": ready,
        "ids": ids,
        "done": {r["row"] for r in results},
        "on_the_wire": sent[2],
    }


async def test_killed_during_a_writeback_unknown_outcomes_are_flagged_and_held(
    tmp_path: Path, make_demo_server, state_backend: StateBackend
) -> None:
    server = make_demo_server(latency=0.05)
    crash = await crash_mid_writeback(tmp_path, server, False, state_backend)
    config_path, ids = crash["config"], crash["ids"]
    wire = crash["on_the_wire"]
    expected = set(ids) - crash["done"]
    never_sent = expected - {wire}
    with state_backend() as state:
        # the killed writer's session is gone: its draft waits to be offered back
        assert [d for d in state.journal.others(LOGIN, DEST) if not d.alive]
        cut = state.intents.interrupted(DEST, LOGIN, drafted=True)
        # only the row whose request had left is unknown: the rows never sent have no intent
        assert sorted(i.outcome or "" for i in cut) == ["", "done", "done"]
        ws = await reopened(config_path, state)
        restored = ws.restore_draft()
        assert restored is not None and restored.unknown == 1
        pending = {c.row for c in ws.table.changes()}
        assert pending == expected, "rows written before the kill are not pending"
        assert ws.held == {wire}
        assert "outcome unknown" in ws.table.row_error(wire)
        assert all(ws.table.row_error(row) is None for row in never_sent)
        assert ws.preview().held == 1
        # the killed writer ran on this host: its lock went with it, lease or not
        assert ws.lock_state() is None
        before = server.request_count
        report = await ws.write_back()
        assert report.summary == "3 updated"
        assert sorted(patched_ids(server, before)) == sorted(ids[row] for row in never_sent)
        [takeover] = [e for e in state.audit.query(limit=None) if e.event == "takeover"]
        assert takeover.before["pid"] == crash["ready"]["pid"]
        assert takeover.before["ended"].startswith(f"process {crash['ready']['pid']} ")
        # flags survive another restart until the user releases the rows
        again = await reopened(config_path, state)
        assert again.restore_draft().unknown == 1 and again.held == {wire}
        ws.release({wire})
        assert ws.preview().held == 0
        before = server.request_count
        report = await ws.write_back()
        assert report.summary == "1 updated"
        assert patched_ids(server, before) == [ids[wire]]


async def test_a_held_row_a_reload_finds_written_is_audited_once(
    tmp_path: Path, make_demo_server, state_backend: StateBackend
) -> None:
    """The request on the wire lands late (after the restart): the reload that shows it
    written settles the row, and the trail says it was written."""
    server = make_demo_server(latency=0.05)
    crash = await crash_mid_writeback(tmp_path, server, False, state_backend)
    row = crash["on_the_wire"]
    product = crash["ids"][row]
    mine = 7000 + row
    with state_backend() as state:
        ws = await reopened(crash["config"], state)
        ws.restore_draft()
        assert row in ws.held
        before = len(state.audit.query(limit=None))
        httpx.patch(f"{server.api_url}/products/{product}", json={"qty": mine}, timeout=10)
        await ws.load()
        new = state.audit.query(limit=None)[before:]
        assert row not in ws.held and not ws.held
        assert [(e.event, e.row_key, e.outcome, e.error) for e in new] == [
            ("update", {"id": product}, "done", LANDED)
        ]
        assert new[0].after == {"qty": mine}
        await ws.load()  # a second reload finds nothing more to audit
        assert len(state.audit.query(limit=None)) == before + 1
        draft = state.journal.load(LOGIN, DEST)
        assert product not in {u["key"]["id"] for u in draft.snapshot["updates"]}


async def test_a_request_that_landed_before_the_crash_is_not_left_flagged(
    tmp_path: Path, make_demo_server, state_backend: StateBackend
) -> None:
    """The server carried out the request the writer died waiting for: the row's value
    is already there, so nothing is pending for it and nothing may be counted as held."""
    server = make_demo_server(latency=0.05)
    crash = await crash_mid_writeback(tmp_path, server, True, state_backend)
    landed = crash["on_the_wire"]
    with state_backend() as state:
        ws = await reopened(crash["config"], state)
        restored = ws.restore_draft()
        assert landed not in {c.row for c in ws.table.changes()}
        assert not ws.held, "the rows never sent are plain pending"
        assert {c.row for c in ws.table.changes()} == set(crash["ids"]) - crash["done"] - {landed}
        assert restored.unknown == len(ws.held) == ws.preview().held == 0
        assert ws.table.row_error(landed) is None


async def test_a_row_edited_again_after_recovery_survives_the_next_crash(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    """After a crash mid-writeback, a row that was written may be edited again; that
    new edit must come back after a second crash, not be dropped as already written."""
    config_path = write_config(tmp_path, demo_server, state=state_backend)
    with state_backend() as state:
        ws = await reopened(config_path, state)
        one, two = ws.table.find({"id": 60}), ws.table.find({"id": 61})
        ws.table.edit(one, "qty", 6060)
        ws.table.edit(two, "qty", 6161)
        idents = {row: ident_text(ws.table.ident(row)) for row in (one, two)}
        # the state as a writeback leaves it when killed after row one was written
        state.journal.save(LOGIN, DEST, ws.table.snapshot())
        writer = dead_writer(LOGIN)
        sent = [
            Planned(idents[one], "update", {"key": {"id": 60}, "set": {"qty": 6060}}),
            Planned(idents[two], "update", {"key": {"id": 61}, "set": {"qty": 6161}}),
        ]
        state.intents.announce(writer, "w1", DEST, sent, drafted=True)
        with state.db.write() as conn:
            state.intents.settle_in(conn, "w1", DEST, idents[one], "done")
        recovered = await reopened(config_path, state)
        assert recovered.restore_draft().unknown == 1
        recovered.table.edit(one, "qty", 7070)  # the user changes the written row again
        recovered.journal()
        assert {c.row for c in recovered.table.changes()} == {one, two}
        crashed_again = await reopened(config_path, state)
        crashed_again.restore_draft()
        assert {c.row for c in crashed_again.table.changes()} == {one, two}
        assert crashed_again.table.value(one, "qty") == 7070


async def test_an_unknown_outcome_in_a_live_writeback_is_not_resent(
    tmp_path: Path, make_demo_server, state_backend: StateBackend
) -> None:
    """A request lost after it was sent (a read timeout): the row must be held, as after
    a crash, and not go out again with the next writeback."""
    server = make_demo_server()
    config_path = write_config(tmp_path, server, state=state_backend)
    text = config_path.read_text().replace("timeout = 10\n", "timeout = 0.3\nretries = 0\n")
    config_path.write_text(text)
    with state_backend() as state:
        ws = await reopened(config_path, state)
        row = ws.table.find({"id": 70})
        ws.table.edit(row, "qty", 7070)
        server.service.latency = 0.6
        report = await ws.write_back()
        server.service.latency = 0.0
        assert [r.status for r in report.results] == ["unknown"]
        assert "outcome unknown" in ws.table.row_error(row)
        assert ws.held == {row} and ws.preview().held == 1
        before = server.request_count
        await ws.write_back()
        assert patched_ids(server, before) == []
