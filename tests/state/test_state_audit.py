"""The audit trail: a writeback row by row, queries, retention, and `writeback audit`."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.secret_values import STATE_QUERY_SECRET
from tests.support.state_backends import StateBackend
from tests.support.state_support import (
    TOKEN,
    TOKEN_ENV,
    Children,
    cli,
    who,
    write_config,
)
from tui.commands.audit import CSV_FIELDS
from tui.config import load_config
from tui.secrets import SecretStore
from tui.state import AuditEntry, Identity, StateStore, open_state
from tui.state.db import now_us
from tui.workspace import Workspace

DEST = "products"
QUERY_SECRET = STATE_QUERY_SECRET
# a secret query parameter on every request, besides the bearer token
QUERY_PARAM = 'params = { api_key = { env = "WB_STATE_TEST_QUERY" } }\n'
HOUR_US = 3600 * 1_000_000


def row_entries(entries: list[AuditEntry]) -> list[AuditEntry]:
    return [e for e in entries if e.event in ("insert", "update", "delete")]


# ------------------------------------------------------------------ a writeback, row by row


async def test_writeback_is_audited_row_by_row_without_secrets(
    tmp_path: Path, make_demo_server, monkeypatch: pytest.MonkeyPatch, state_backend: StateBackend
) -> None:
    server = make_demo_server(token=TOKEN)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv("WB_STATE_TEST_QUERY", QUERY_SECRET)
    config = load_config(
        write_config(tmp_path, server, state=state_backend, auth=True, integration=QUERY_PARAM)
    )
    alice = Identity("alice", "deskhost", os.getpid(), "203.0.113.9")
    with state_backend() as state:
        ws = Workspace(config, DEST, state, alice, SecretStore())
        await ws.load()
        table = ws.table
        two, three, four = (table.find({"id": n}) for n in (21, 22, 23))
        was = {"qty": table.value(two, "qty"), "price": table.value(two, "price")}
        old_name = table.value(three, "name")
        deleted = table.record(four)
        table.edit(two, "qty", 2121)
        table.edit(two, "price", 21.5)
        table.edit(three, "name", "Audited name")
        table.add_row({"name": "Audited new", "sku": "PRD-31337", "region": "LATAM"})
        table.delete_rows([four])
        report = await ws.write_back()
        trail = state.audit.query(destination=DEST, limit=None)
        raw = state_backend.contents(state)

    rows = row_entries(trail)
    assert report.summary == "1 inserted, 2 updated, 1 deleted"
    assert len(rows) == report.total == 4
    assert [e.event for e in trail] == ["lock", "insert", "update", "update", "delete", "unlock"]
    assert trail[0].login == trail[-1].login == "alice"
    by_key = {(e.event, (e.row_key or {}).get("id")): e for e in rows}
    update2, update3 = by_key["update", 21], by_key["update", 22]
    assert (update2.before, update2.after) == (was, {"qty": 2121, "price": 21.5})
    assert (update3.before, update3.after) == ({"name": old_name}, {"name": "Audited name"})
    [insert] = [e for e in rows if e.event == "insert"]
    assert insert.before is None and insert.row_key == {"id": insert.after["id"]}
    assert {k: insert.after[k] for k in ("name", "sku", "region")} == {
        "name": "Audited new",
        "sku": "PRD-31337",
        "region": "LATAM",
    }
    delete = by_key["delete", 23]
    assert delete.after is None and delete.before["name"] == deleted["name"]
    expected = {"insert": ("POST", 201), "update": ("PATCH", 204), "delete": ("DELETE", 204)}
    for entry in rows:
        assert (entry.method, entry.status) == expected[entry.event]
        assert entry.url.startswith(server.api_url + "/products")
        assert entry.outcome == "done" and entry.error is None
        assert entry.duration_ms is not None and entry.duration_ms > 0
        assert entry.writeback_id == report.writeback_id != ""
        assert (entry.login, entry.host, entry.ssh_client) == ("alice", "deskhost", "203.0.113.9")
        assert entry.integration == "demo" and entry.destination == DEST
        assert entry.at <= datetime.now(UTC) and entry.at.tzinfo is not None
    assert update2.url.endswith("/products/21") and delete.url.endswith("/products/23")
    for entry in trail:
        shown = json.dumps(entry.as_dict(), default=str) + entry.line()
        assert TOKEN not in shown and QUERY_SECRET not in shown
    assert TOKEN.encode() not in raw and QUERY_SECRET.encode() not in raw


async def test_a_failed_row_is_audited_with_its_error(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config = load_config(write_config(tmp_path, demo_server, state=state_backend))
    with state_backend() as state:
        ws = Workspace(config, DEST, state, who("alice"), SecretStore())
        await ws.load()
        ws.table.edit(ws.table.find({"id": 30}), "qty", 3030)
        demo_server.inject_faults(10, status=400)
        report = await ws.write_back()
        [entry] = row_entries(state.audit.query())
    assert [r.status for r in report.results] == ["failed"]
    assert (entry.outcome, entry.status) == ("failed", 400)
    assert entry.error and entry.after == {"qty": 3030}


# ------------------------------------------------------------------ queries


def seeded(state: StateStore) -> list[AuditEntry]:
    """Entries by three people on two destinations, an hour apart, the latest 59 min ago."""
    now = now_us()
    people = ["alice", "bob", "carol"]
    for n in range(30):
        login = people[n % 3]
        at = now - (30 - n) * HOUR_US + 60_000_000  # a minute to spare for the slow
        entry = AuditEntry(at, login, "h", ("a", "b")[n % 2], "update")
        state.audit.append(entry.but(row_key={"id": n}))
    return state.audit.query(limit=None)


def test_query_filters_by_destination_user_and_time(state_backend: StateBackend) -> None:
    with state_backend() as state:
        everything = seeded(state)
        assert [e.row_key["id"] for e in everything] == list(range(30))
        assert [e.id for e in everything] == sorted(e.id for e in everything)
        latest = state.audit.query(limit=5)
        assert [e.row_key["id"] for e in latest] == [25, 26, 27, 28, 29]
        on_a = state.audit.query(destination="a", limit=None)
        assert {e.destination for e in on_a} == {"a"} and len(on_a) == 15
        bobs = state.audit.query(user="bob", limit=3)
        assert [e.row_key["id"] for e in bobs] == [22, 25, 28]
        both = state.audit.query(destination="b", user="bob", limit=None)
        assert {e.row_key["id"] % 6 for e in both} == {1}
        since = datetime.now(UTC) - timedelta(hours=4, minutes=30)
        recent = state.audit.query(since=since, limit=None)
        assert [e.row_key["id"] for e in recent] == [26, 27, 28, 29]


def test_query_after_an_id_gives_newer_entries_oldest_first(state_backend: StateBackend) -> None:
    with state_backend() as state:
        everything = seeded(state)
        mark = everything[9].id
        newer = state.audit.query(after_id=mark, limit=None)
        assert [e.id for e in newer] == [e.id for e in everything[10:]]
        assert [e.id for e in state.audit.query(after_id=mark, limit=3)] == [
            e.id for e in everything[10:13]
        ]
        assert state.audit.latest_id() == everything[-1].id
        assert state.audit.query(after_id=state.audit.latest_id()) == []


def test_an_empty_trail(state_backend: StateBackend) -> None:
    with state_backend() as state:
        assert state.audit.latest_id() == 0
        assert state.audit.query() == []


def test_retention_prunes_old_entries_on_open(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    path = write_config(tmp_path, demo_server, state=state_backend)
    path.write_text(path.read_text().replace("[state]\n", "[state]\nretention_days = 1\n", 1))
    with state_backend() as state:
        seeded(state)  # 30 hours back: the 6 oldest are beyond one day
        assert state.audit.prune(2) == 0
    with open_state(load_config(path)) as state:
        left = state.audit.query(limit=None)
    assert len(left) == 24 and left[0].row_key["id"] == 6
    with state_backend() as state:
        assert state.audit.prune(0) == 24  # zero days: everything before now


# ------------------------------------------------------------------ writeback audit


@pytest.mark.slow
def test_audit_follow_shows_a_push_from_another_process_within_a_second(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config = write_config(tmp_path, demo_server, state=state_backend)
    with state_backend() as state:
        state.audit.append(AuditEntry.now(who("seed"), DEST, "lock"))
    changes = tmp_path / "changes.jsonl"
    changes.write_text(json.dumps({"op": "update", "key": {"id": 40}, "set": {"qty": 4040}}))
    with Children() as children:
        follower = children.cli(config, "audit", DEST, "--follow", "--format", "jsonl")
        assert json.loads(follower.line()[1])["login"] == "seed"  # it is running and polling
        pushed = cli(config, "push", DEST, "--changes", str(changes))
        finished = time.monotonic()
        assert pushed.returncode == 0, pushed.stderr
        seen = {}
        while "unlock" not in seen:
            at, line = follower.line(timeout=5)
            seen[json.loads(line)["event"]] = (at, json.loads(line))
    at, update = seen["update"]
    assert update["row_key"] == {"id": 40} and update["after"] == {"qty": 4040}
    assert at - finished < 1.0, f"the follower printed the row {at - finished:.2f}s after the push"
    assert set(seen) == {"lock", "update", "unlock"}


@pytest.mark.slow
def test_audit_formats_parse(tmp_path: Path, demo_server, state_backend: StateBackend) -> None:
    config = write_config(tmp_path, demo_server, state=state_backend)
    with state_backend() as state:
        seeded(state)
    run = cli(config, "audit", "--format", "jsonl", "--limit", "4")
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["row_key"]["id"] for r in rows] == [26, 27, 28, 29]
    assert rows[-1]["at"].endswith("+00:00") and rows[-1]["event"] == "update"
    run = cli(config, "audit", "--format", "csv", "--user", "alice")
    assert run.returncode == 0, run.stderr
    table = list(csv.DictReader(io.StringIO(run.stdout)))
    assert list(table[0]) == CSV_FIELDS and len(table) == 10
    assert {r["login"] for r in table} == {"alice"}
    assert json.loads(table[-1]["row_key"]) == {"id": 27}
    run = cli(config, "audit", "b", "--limit", "2")
    assert run.returncode == 2 and "no destination named 'b'" in run.stderr
    run = cli(config, "audit", "--limit", "2")
    lines = run.stdout.splitlines()
    assert len(lines) == 2 and all("update" in line for line in lines)


@pytest.mark.slow
def test_audit_since_takes_a_duration_or_an_iso_time(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config = write_config(tmp_path, demo_server, state=state_backend)
    with state_backend() as state:
        seeded(state)
    ids = lambda run: [json.loads(line)["row_key"]["id"] for line in run.stdout.splitlines()]  # noqa: E731
    run = cli(config, "audit", "--since", "150m", "--format", "jsonl")
    assert run.returncode == 0 and ids(run) == [28, 29]
    iso = (datetime.now(UTC) - timedelta(hours=3, minutes=30)).strftime("%Y-%m-%dT%H:%M:%S")
    run = cli(config, "audit", "--since", iso, "--format", "jsonl")
    assert run.returncode == 0 and ids(run) == [27, 28, 29]
    local = (datetime.now(UTC) - timedelta(minutes=90)).astimezone().isoformat()
    run = cli(config, "audit", "--since", local, "--format", "jsonl")
    assert run.returncode == 0 and ids(run) == [29]
    run = cli(config, "audit", "--since", "yesterday")
    assert run.returncode == 2 and run.stdout == ""
    assert len(run.stderr.splitlines()) == 1 and "--since 'yesterday'" in run.stderr


@pytest.mark.slow
def test_audit_output_holds_no_secret_after_a_push(
    tmp_path: Path, make_demo_server, state_backend: StateBackend
) -> None:
    server = make_demo_server(token=TOKEN)
    config = write_config(tmp_path, server, state=state_backend, auth=True)
    changes = tmp_path / "changes.jsonl"
    changes.write_text(json.dumps({"op": "update", "key": {"id": 41}, "set": {"qty": 4141}}))
    pushed = cli(config, "push", DEST, "--changes", str(changes))
    assert pushed.returncode == 0, pushed.stderr
    for fmt in ("jsonl", "csv", "text"):
        run = cli(config, "audit", DEST, "--format", fmt)
        assert run.returncode == 0 and "41" in run.stdout
        assert TOKEN not in run.stdout + run.stderr
