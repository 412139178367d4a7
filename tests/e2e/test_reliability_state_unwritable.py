"""`writeback push` when its SQLite state cannot be written: on a filesystem that fills up
mid-push, on a read-only filesystem, and held by another process's write transaction. One
line naming the state file and the cause, exit 4, no traceback, nothing more sent; the
next run audits what landed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.reliability import DEST, qty_on
from tests.support.state_support import Children, RequestTap, cli, write_config
from tui.exits import EXIT_STATE
from tui.state import StateStore

pytestmark = [pytest.mark.slow, pytest.mark.servers]

FIRST, ROWS = 401, 300


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs (we run as root in CI), unmounted after the test."""
    where = tmp_path / "fs"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)])
    if mounted.returncode != 0:
        pytest.skip("mount -t tmpfs is not allowed here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _setup(tmp_path: Path, server, state: Path) -> tuple[Path, Path, dict[int, int]]:
    text = write_config(tmp_path, server, integration="max_concurrency = 4\n").read_text()
    config = tmp_path / "wb.toml"
    config.write_text(text.replace(json.dumps(str(tmp_path / "state.db")), json.dumps(str(state))))
    mine = {i: 900_000 + i for i in range(FIRST, FIRST + ROWS)}
    changes = tmp_path / "changes.jsonl"
    changes.write_text(
        "".join(
            json.dumps({"op": "update", "key": {"id": i}, "set": {"qty": q}}) + "\n"
            for i, q in mine.items()
        )
    )
    StateStore(state).close()  # created and migrated before the filesystem turns against it
    return config, changes, mine


def _one_line(result: subprocess.CompletedProcess[str], state: Path) -> None:
    assert result.returncode == EXIT_STATE, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert str(state) in line and "cannot be written" in line, line


def _patched(tap: RequestTap) -> Counter[int]:
    return Counter(
        int(t.path.rsplit("/", 1)[1]) for t in tap.log if t.method == "PATCH" and t.status < 300
    )


def _audit_equals_server(state: Path, server, mine: dict[int, int]) -> None:
    with StateStore(state) as store:
        entries = store.audit.query(destination=DEST, limit=None)
    done = Counter(e.row_key["id"] for e in entries if e.event == "update" and e.outcome == "done")
    on_server = qty_on(server, mine)
    assert set(done) == {i for i in mine if on_server[i] == mine[i]}
    assert max(done.values()) == 1


def test_a_state_that_fills_up_mid_push_stops_it_in_one_line(
    tmp_path: Path, make_demo_server, small_fs: Path
) -> None:
    server = make_demo_server()
    tap = RequestTap(server)
    state = small_fs / "state.db"
    config, changes, mine = _setup(tmp_path, server, state)
    server.service.latency = 0.02
    filler = small_fs / "filler"
    with Children() as children:
        child = children.cli(config, "push", DEST, "--changes", str(changes))
        for _ in range(10):
            child.line(timeout=60)
        with filler.open("wb") as out, pytest.raises(OSError):
            while True:  # until the filesystem is full
                out.write(b"\0" * 65536)
                out.flush()
        code = child.popen.wait(timeout=60)
        err = child.popen.stderr.read()  # type: ignore[union-attr]
    tap.wait_idle()
    server.service.latency = 0.0
    _one_line(subprocess.CompletedProcess([], code, "", err), state)
    sent = sum(_patched(tap).values())
    assert sent < ROWS, "requests went on after the state filled up"

    filler.unlink()  # room again: the next run audits what landed, and sends the rest
    again = cli(config, "push", DEST, "--changes", str(changes), timeout=120)
    assert again.returncode in (0, 1), again.stderr
    assert max(_patched(tap).values()) == 1, "a row sent twice"
    _audit_equals_server(state, server, mine)


def test_a_read_only_state_sends_nothing(tmp_path: Path, make_demo_server, small_fs: Path) -> None:
    server = make_demo_server()
    tap = RequestTap(server)
    state = small_fs / "state.db"
    config, changes, _mine = _setup(tmp_path, server, state)
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    result = cli(config, "push", DEST, "--changes", str(changes), timeout=60)
    assert "Traceback" not in result.stderr
    assert result.returncode != 0 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert str(state) in result.stderr
    assert not _patched(tap)


def test_a_state_locked_by_another_process_sends_nothing(tmp_path: Path, make_demo_server) -> None:
    server = make_demo_server()
    tap = RequestTap(server)
    state = tmp_path / "held.db"
    config, changes, _mine = _setup(tmp_path, server, state)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
            " c.execute('BEGIN IMMEDIATE'); print('held', flush=True); sys.stdin.read()",
            str(state),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = cli(config, "push", DEST, "--changes", str(changes), timeout=60)
    finally:
        holder.communicate("", timeout=10)
    _one_line(result, state)
    assert "locked" in result.stderr
    assert not _patched(tap)
