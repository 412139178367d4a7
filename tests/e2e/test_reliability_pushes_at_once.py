"""Reliability end to end, with real OS processes, a real demo server and the real state:
five `writeback push` processes at once, on different rows and on the same rows, and a
push started during another's writeback. The lock, the audit trail and the server's data
must tell one consistent story.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.reliability import DEST, done_per_row, patches, qty_on, trail
from tests.support.state_backends import StateBackend
from tests.support.state_support import Children, RequestTap, cli, write_config
from tui.state import StateStore
from tui.state.audit import AuditEntry

pytestmark = pytest.mark.slow  # real processes killed, restarted or racing

PUSHERS, ROWS_EACH = 5, 20
ROW_EVENTS = ("insert", "update", "delete")


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
