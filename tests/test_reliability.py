"""Reliability end to end, with real OS processes, a real demo server and the real state:
five `writeback push` processes at once, a writer killed with SIGKILL mid-writeback and
restarted, and the server restarted mid-writeback. After each, the lock, the audit
trail, the draft journal and the server's data must tell one consistent story.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.journal import HeldOnTheWire, reopened
from tests.support.state_backends import StateBackend
from tests.support.state_support import Children, RequestTap, cli, write_config
from tui.demo import DemoServer
from tui.state import StateStore
from tui.state.audit import AuditEntry
from tui.workspace import Conflict, Workspace
from tui.workspace.report import LANDED

DEST = "products"
LOGIN = "erin"
PUSHERS, ROWS_EACH = 5, 20
ROW_EVENTS = ("insert", "update", "delete")


# ------------------------------------------------------------------ helpers


def records(server: Any, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The products as the server has them now, a GET each."""
    found = {}
    with httpx.Client(base_url=server.api_url, timeout=10) as client:
        for row_id in ids:
            answer = client.get(f"/products/{row_id}")
            assert answer.status_code == 200, answer.text
            found[row_id] = answer.json()
    return found


def qty_on(server: Any, ids: Iterable[int]) -> dict[int, int]:
    return {row_id: product["qty"] for row_id, product in records(server, ids).items()}


def patches(server: Any, status: int | None = None) -> Counter[int]:
    """PATCHes per product id in the server's request log (of `status` if given)."""
    return Counter(
        int(path.rsplit("/", 1)[1])
        for method, path, answered in server.recent_requests
        if method == "PATCH" and status in (None, answered)
    )


def trail(state: StateStore) -> list[AuditEntry]:
    return state.audit.query(destination=DEST, limit=None)


def done_per_row(entries: list[AuditEntry]) -> Counter[int]:
    return Counter(e.row_key["id"] for e in entries if e.event == "update" and e.outcome == "done")


def change_file(path: Path, values: dict[int, int], was: dict[int, int] | None = None) -> Path:
    """A change file setting qty per id, with the values the script saw if given."""
    lines = []
    for row_id, qty in values.items():
        change: dict[str, Any] = {"op": "update", "key": {"id": row_id}, "set": {"qty": qty}}
        if was is not None:
            change["was"] = {"qty": was[row_id]}
        lines.append(json.dumps(change) + "\n")
    path.write_text("".join(lines))
    return path


@dataclass(frozen=True)
class Block:
    """One writeback as the audit trail has it: its lock, the rows it wrote, its unlock."""

    lock: AuditEntry
    rows: list[AuditEntry]
    unlock: AuditEntry

    @property
    def pid(self) -> int:
        return self.lock.after["pid"]

    @property
    def held_s(self) -> float:
        return (self.unlock.at_us - self.lock.at_us) / 1e6


def blocks(entries: list[AuditEntry]) -> list[Block]:
    """The trail cut into writebacks, checking that no two ever interleaved: in the order
    the state serialised them, a lock, one writeback's rows, then the same process's
    unlock, each block after the previous one in time as well."""
    found: list[Block] = []
    rest = list(entries)
    while rest:
        lock = rest.pop(0)
        assert lock.event == "lock", f"{lock.event} outside a lock"
        end = next(i for i, e in enumerate(rest) if e.event not in ROW_EVENTS)
        rows, unlock = rest[:end], rest[end]
        rest = rest[end + 1 :]
        assert unlock.event == "unlock" and unlock.before["pid"] == lock.after["pid"]
        assert len({e.writeback_id for e in rows}) <= 1, "two writebacks under one lock"
        assert all(lock.at_us <= e.at_us <= unlock.at_us for e in rows)
        if found:
            assert found[-1].unlock.at_us <= lock.at_us, "two locks held at once"
        found.append(Block(lock, rows, unlock))
    return found


# ------------------------------------------------------------------ five processes at once


@dataclass(frozen=True)
class Pushed:
    """What one `writeback push` process did, as it reported it."""

    pid: int
    code: int
    results: list[dict[str, Any]]
    stderr: str
    start: float
    end: float


def push_at_once(config: Path, files: list[Path]) -> tuple[list[Pushed], float]:
    """One `writeback push` process per file, all started on one signal once each has
    loaded Python; returns what each did and the wall time from the signal to the last."""
    with Children() as children:
        procs = [children.worker("push", str(config), DEST, str(path)) for path in files]
        for proc in procs:
            proc.event("ready", timeout=60)
        started = time.time()
        for proc in procs:
            proc.send("go\n")
        reports = [proc.event("pushed", timeout=60) for proc in procs]
        for proc, report in zip(procs, reports, strict=True):
            assert proc.popen.wait(timeout=30) == report["code"]
    pushed = [
        Pushed(r["pid"], r["code"], r["results"], r["stderr"], r["start"], r["end"])
        for r in reports
    ]
    return pushed, max(p.end for p in pushed) - started


def test_five_processes_pushing_at_once_are_serialised_by_the_lock(
    tmp_path: Path, make_demo_server, state_backend: StateBackend
) -> None:
    """Five processes, 20 rows each, one state, one slow server: each push is one block
    between its lock and unlock, no two overlap, and every row is written and audited
    once."""
    server = make_demo_server(latency=0.02)
    tap = RequestTap(server)
    config = write_config(tmp_path, server, state=state_backend)
    mine = [
        {row_id: 9000 + row_id for row_id in range(100 * n + 1, 100 * n + 1 + ROWS_EACH)}
        for n in range(1, PUSHERS + 1)
    ]
    files = [change_file(tmp_path / f"changes{n}.jsonl", m) for n, m in enumerate(mine)]
    pushed, wall = push_at_once(config, files)

    for one, values in zip(pushed, mine, strict=True):
        assert one.code == 0, one.stderr
        assert one.stderr.splitlines()[-1] == f"{ROWS_EACH} updated"
        assert sorted(r["key"]["id"] for r in one.results if r["status"] == "done") == list(values)
    with state_backend() as state:
        assert state.locks.get(DEST) is None
        written = blocks(trail(state))
    assert len(written) == PUSHERS
    # each process's rows in one block of its own, under its own lock
    by_pid = {one.pid: set(values) for one, values in zip(pushed, mine, strict=True)}
    for block in written:
        assert {e.row_key["id"] for e in block.rows} == by_pid.pop(block.pid)
        assert {e.outcome for e in block.rows} == {"done"}
    every = {k: v for values in mine for k, v in values.items()}
    assert done_per_row([e for b in written for e in b.rows]) == Counter(set(every))
    # all were running before the first lock was taken, and one had its rows loaded (the
    # last page of 5) while another wrote: the lock, not luck, kept them apart
    assert max(one.start for one in pushed) < written[0].lock.at_us / 1e6
    loaded = [t.end for t in tap.log if t.query.get("startingAfter") == "4000"]
    assert len(loaded) == PUSHERS
    assert any(
        sum(at < block.unlock.at_us / 1e6 for at in loaded) > n + 1
        for n, block in enumerate(written[:-1])
    ), "no push ever waited for the lock"
    # the server saw each process's PATCHes inside its lock, and each row written once
    server.service.latency = 0.0
    assert qty_on(server, list(every)) == every
    assert patches(server) == patches(server, status=204) == Counter(set(every))
    for block in written:
        ids = {e.row_key["id"] for e in block.rows}
        seen = [t for t in tap.log if t.method == "PATCH" and int(t.path.rsplit("/")[-1]) in ids]
        assert len(seen) == ROWS_EACH
        assert all(
            block.lock.at_us / 1e6 <= t.start <= t.end <= block.unlock.at_us / 1e6 for t in seen
        )
    held = ", ".join(f"{b.held_s:.2f}" for b in written)
    print(
        f"{PUSHERS} pushes of {ROWS_EACH} rows ({state_backend.name}): {wall:.2f} s wall, "
        f"{len(every) / wall:.0f} rows/s; lock held per push (s): {held}"
    )


def test_five_processes_pushing_the_same_rows_one_wins_the_others_conflict(
    tmp_path: Path, make_demo_server, state_backend: StateBackend
) -> None:
    """Each script saw the same values (`was`) and sets its own: the first writer wins
    every row, and every later one meets a conflict, a 412 or the values it saw gone,
    and exits 1, writing nothing over the winner."""
    server = make_demo_server()
    config = write_config(tmp_path, server, state=state_backend)
    ids = list(range(301, 301 + ROWS_EACH))
    seen = qty_on(server, ids)
    # a few ms only: each loser holds the lock for 20 refusals and 20 reads, and the last
    # must get it within the 5 s a writeback waits
    server.service.latency = 0.002
    mine = [{row_id: 100_000 * n + row_id for row_id in ids} for n in range(1, PUSHERS + 1)]
    files = [change_file(tmp_path / f"same{n}.jsonl", m, seen) for n, m in enumerate(mine)]
    pushed, _wall = push_at_once(config, files)

    [winner] = [one for one in pushed if one.code == 0]
    won = mine[pushed.index(winner)]
    assert [r["status"] for r in winner.results] == ["done"] * ROWS_EACH
    for loser in (one for one in pushed if one is not winner):
        assert loser.code == 1
        # every row is a conflict: refused by the server (412) or seen changed on loading
        refused = {r["key"]["id"] for r in loser.results if r["status"] == "conflict"}
        stale = {ids[int(n) - 1] for n in _conflict_lines(loser.stderr)}
        assert len(loser.results) == len(refused) and refused | stale == set(ids)
        assert not refused & stale
    server.service.latency = 0.0
    assert qty_on(server, ids) == won
    assert patches(server, status=204) == Counter(ids), "a row was written twice"
    assert patches(server) == patches(server, status=204) + patches(server, status=412)
    with state_backend() as state:
        assert state.locks.get(DEST) is None
        written = blocks(trail(state))
    # the audit names the winner of each row, and records each refused attempt
    assert len(written) == PUSHERS
    rows = [e for b in written for e in b.rows]
    assert done_per_row(rows) == Counter(ids)
    for entry in (e for e in rows if e.outcome == "done"):
        assert entry.after == {"qty": won[entry.row_key["id"]]}
        assert entry.before == {"qty": seen[entry.row_key["id"]]}
    [winning] = [b for b in written if any(e.outcome == "done" for e in b.rows)]
    assert winning.pid == winner.pid and written[0] is winning
    conflicts = [e for e in rows if e.outcome == "conflict"]
    assert {e.status for e in conflicts} <= {412}
    assert len(conflicts) == sum(patches(server, status=412).values())


def _conflict_lines(stderr: str) -> list[str]:
    """Line numbers of the change file refused as conflicts before sending."""
    return [
        line.split(": line ")[1].split(":")[0]
        for line in stderr.splitlines()
        if ": conflict: " in line
    ]


def test_a_push_started_during_anothers_writeback_waits_for_it(
    tmp_path: Path, make_demo_server
) -> None:
    """Scripts are not started in step: one that arrives while another's writeback
    holds the lock must wait for it, as a writeback from the app does."""
    server = make_demo_server(latency=0.05)
    config = write_config(tmp_path, server, integration="max_concurrency = 1\n")
    # 40 rows at 50 ms each, one at a time: the first holds the lock for about 2 s,
    # well inside the 5 s the second waits
    first = change_file(tmp_path / "first.jsonl", {i: 9000 + i for i in range(401, 441)})
    second = change_file(tmp_path / "second.jsonl", {471: 9471})
    with Children() as children, StateStore(tmp_path / "state.db") as state:
        writing = children.cli(config, "push", DEST, "--changes", str(first))
        deadline = time.monotonic() + 30
        while state.locks.get(DEST) is None:  # the first writeback is under way
            assert writing.popen.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        second_started_us = time.time_ns() // 1000
        run = cli(config, "push", DEST, "--changes", str(second))
        assert writing.popen.wait(timeout=30) == 0
        trail = [e for e in state.audit.query(destination=DEST) if e.event in ("lock", "unlock")]
    assert run.returncode == 0, run.stderr
    assert qty_on(server, [471]) == {471: 9471}
    [(lock1, unlock1), (lock2, unlock2)] = zip(trail[::2], trail[1::2], strict=True)
    assert (lock1.event, unlock1.event, lock2.event) == ("lock", "unlock", "lock")
    assert lock1.at_us < second_started_us < unlock1.at_us <= lock2.at_us, "it did not wait"


# ------------------------------------------------------------------ kill -9, then restart

FIRST, BULK = 501, 50


async def test_killed_mid_writeback_a_restart_writes_every_row_exactly_once(
    tmp_path: Path, make_demo_server, state_backend: StateBackend
) -> None:
    """A writer of 50 rows, 4 requests at a time on a slow server, killed with SIGKILL
    while its 6th request is held by the server. The restart drops rows written and
    rows whose value reached the server, holds every other row of the cut writeback
    (the journal cannot tell sent from unsent), and once the user has checked them
    against the server, writes each remaining row once, after the dead writer's lease."""
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
        draft = state.journal.load(LOGIN, DEST)
        assert draft is not None
        done = {json.loads(ident)["key"]["id"] for ident in draft.done}
        id_of = {c["row"]: c["key"]["id"] for c in ready["changes"]}
        assert {id_of[r["row"]] for r in printed} <= done
        assert 10 <= len(done) < BULK and len(draft.unknown) == BULK - len(done)
        before = trail(state)
        assert done_per_row(before) == Counter(done), "the audit and the journal disagree"
        on_server = qty_on(server, ids)
        assert all(on_server[i] == mine[i] for i in done)
        landed = {i for i in set(ids) - done if on_server[i] == mine[i]}
        assert all(on_server[i] == old[i] for i in set(ids) - done - landed)
        # written once each; a request the kill cut while it was being sent reached the
        # server truncated, and was refused changing nothing
        assert patches(server, status=204) == Counter(done | landed)
        cut_short = patches(server) - patches(server, status=204)
        assert cut_short == patches(server, status=400) and set(cut_short) <= set(ids) - done

        ws = await reopened(config, state, LOGIN)
        restored = ws.restore_draft()
        held_ids = set(ids) - done - landed
        assert restored is not None and restored.unknown == len(held_ids)
        assert {c.key["id"] for c in ws.table.changes()} == held_ids
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
        assert report.summary == f"{len(resent)} updated"
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
    assert done_per_row(after) == Counter(done | resent | landed)
    found = [e for e in after if e.error == LANDED]
    assert {e.row_key["id"] for e in found} == landed
    assert all(e.after == {"qty": mine[e.row_key["id"]]} for e in found)
    # a row that landed only after the restart was read back by the user, not written;
    # taking the server's values for it is audited, once
    [theirs] = [e for e in after if e.row_key and e.row_key["id"] == late]
    assert (theirs.event, theirs.outcome) == ("take_theirs", "done")
    assert theirs.before == theirs.after == {"qty": mine[late]}


def check_and_release(ws: Workspace, server: Any) -> tuple[set[int], set[int]]:
    """What a user does with held rows: read each on the server; where it already has
    my values, take the server's record, else release the row to be sent again.
    Returns the product ids taken and released."""
    held = [change for change in ws.table.changes() if change.row in ws.held]
    on_server = records(server, [change.key["id"] for change in held])
    taken: list[Conflict] = []
    resent: dict[int, int] = {}
    for change in held:
        theirs = on_server[change.key["id"]]
        if all(theirs[column] == value for column, value in change.set.items()):
            taken.append(
                Conflict(change.row, change.key, change.was, change.set, change.set, theirs)
            )
        else:
            resent[change.row] = change.key["id"]
    ws.resolve(taken, {c.row: "theirs" for c in taken})
    ws.release(resent.keys())
    return {c.key["id"] for c in taken}, set(resent.values())


# ------------------------------------------------------------------ the server restarted

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
