"""Every decision about a row the server disagrees with leaves one audit entry.

Take theirs, overwrite and skip after a conflict, and a change set discarded (in the
app, or a draft declined after a crash), each audited in the transaction that settles
the draft. Against the demo server; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from tests.support.state_backends import StateBackend
from tests.support.state_support import Children, who, write_config
from tui.cli import main
from tui.config import load_config
from tui.secrets import SecretStore
from tui.state import StateStore
from tui.table import RowOutcome, parse_changes
from tui.workspace import Workspace
from tui.workspace.report import LANDED
from tui.workspace.restore import UNKNOWN

DEST = "products"
LOGIN = "carol"
RESOLVED = ("take_theirs", "overwrite", "skip")


async def reopened(config_path: Path, state: StateStore) -> Workspace:
    ws = Workspace(load_config(config_path), DEST, state, who(LOGIN), SecretStore())
    await ws.load()
    return ws


def entries(state: StateStore, *events: str) -> list:
    return [e for e in state.audit.query(limit=None) if e.event in events]


def server_qty(server: Any, product: int) -> int:
    return httpx.get(f"{server.api_url}/products/{product}", timeout=10).json()["qty"]


async def test_each_conflict_choice_is_audited_with_the_draft_it_leaves(
    tmp_path: Path, demo_server: Any, state_backend: StateBackend
) -> None:
    config_path = write_config(tmp_path, demo_server, state=state_backend)
    with state_backend() as state:
        ws = await reopened(config_path, state)
        rows = {pid: ws.table.find({"id": pid}) for pid in (21, 22, 23)}
        for pid, row in rows.items():
            ws.table.edit(row, "qty", 7000 + pid)
            httpx.patch(f"{demo_server.api_url}/products/{pid}", json={"qty": 100 + pid})
        ws.journal()
        report = await ws.write_back()
        assert {c.row for c in report.conflicts} == set(rows.values())
        choices = {rows[21]: "theirs", rows[22]: "overwrite"}  # 23 unsaid: skipped
        overwrite, skip = ws.resolve(report.conflicts, choices, report.writeback_id)
        assert (overwrite, skip) == ({rows[22]}, {rows[23]})
        by_id = {e.row_key["id"]: e for e in entries(state, *RESOLVED)}
        assert {pid: e.event for pid, e in by_id.items()} == {
            21: "take_theirs",
            22: "overwrite",
            23: "skip",
        }
        assert (by_id[21].before, by_id[21].after) == ({"qty": 7021}, {"qty": 121})
        assert (by_id[22].before, by_id[22].after) == ({"qty": 122}, {"qty": 7022})
        assert by_id[23].outcome == "skipped" and by_id[21].outcome == "done"
        assert {e.writeback_id for e in by_id.values()} == {report.writeback_id}
        assert "take_theirs" in by_id[21].line() and "qty: 7021 -> 121" in by_id[21].line()
        # the draft settled with them: theirs taken, the other two still pending
        draft = state.journal.load(LOGIN, DEST)
        assert {u["key"]["id"] for u in draft.snapshot["updates"]} == {22, 23}
        again = await ws.write_back(overwrite=overwrite, skip=skip)
        assert again.summary == "1 updated"
        assert [server_qty(demo_server, p) for p in (21, 22, 23)] == [121, 7022, 123]
        updates = [e for e in entries(state, "update") if e.row_key == {"id": 22}]
        assert [(e.outcome, e.writeback_id) for e in updates] == [
            ("conflict", report.writeback_id),
            ("done", again.writeback_id),
        ]


async def test_a_discarded_change_set_is_audited_and_can_be_pushed_from_the_trail(
    tmp_path: Path, demo_server: Any, state_backend: StateBackend
) -> None:
    config_path = write_config(tmp_path, demo_server, state=state_backend)
    with state_backend() as state:
        ws = await reopened(config_path, state)
        ws.table.edit(ws.table.find({"id": 31}), "qty", 3131)
        ws.table.add_row({"sku": "PRD-93131", "name": "Never sent", "region": "EMEA"})
        ws.table.delete_rows([ws.table.find({"id": 32})])
        ws.journal()
        mine = [c.to_json() for c in ws.table.changes()]
        ws.discard()
        [entry] = entries(state, "discard")
        assert state.journal.load(LOGIN, DEST) is None and not ws.table.dirty
    assert entry.before["summary"] == "1 changed, 1 new, 1 deleted"
    assert json.loads(json.dumps(entry.before["changes"])) == json.loads(json.dumps(mine))
    assert "discard" in entry.line() and entry.row_key is None
    assert entry.before["keys"] == [{"id": 31}, {"id": 32}]
    assert "1 changed, 1 new, 1 deleted (id=31, id=32)" in entry.line()
    # what was thrown away is a change file: pushed from the trail, it is all written
    lines = [json.dumps(line, default=str) for line in entry.before["changes"]]
    assert [c.op for c in parse_changes(lines, ["id"])] == [line["op"] for line in mine]
    changes = tmp_path / "from-the-trail.jsonl"
    changes.write_text("\n".join(lines) + "\n")
    push = ["push", DEST, "--changes", str(changes), "--config", str(config_path)]
    assert await asyncio.to_thread(main, push) == 0
    assert server_qty(demo_server, 31) == 3131
    assert httpx.get(f"{demo_server.api_url}/products/32", timeout=10).status_code == 404
    with state_backend() as state:
        table = (await reopened(config_path, state)).table
    skus = [table.value(row, "sku") for row in table.loaded_rows()]
    assert "PRD-93131" in skus and table.find({"id": 32}) is None


async def test_a_draft_declined_after_a_crash_is_audited_once(
    tmp_path: Path, demo_server: Any, state_backend: StateBackend
) -> None:
    config_path = write_config(tmp_path, demo_server, state=state_backend)
    with Children() as children:
        child = children.worker("edit", str(config_path), LOGIN)
        ready = child.event("ready", timeout=60)
        child.kill9()
    with state_backend() as state:
        ws = await reopened(config_path, state)  # offered the draft: the user says Discard
        [offer] = ws.offers()
        ws.discard(offer)
        [entry] = entries(state, "discard")
        assert ws.offers() == [] and state.journal.load(LOGIN, DEST) is None
        ws.discard()  # nothing left: nothing more audited
        assert len(entries(state, "discard")) == 1
    assert entry.before["summary"] == "2 changed, 1 new, 1 deleted"
    changed = {line["key"]["id"] for line in entry.before["changes"] if line["op"] == "update"}
    keyed = [line["key"] for line in entry.before["changes"] if "key" in line]
    assert entry.before["keys"] == keyed and len(keyed) == 3  # 2 changed, 1 deleted
    assert changed == {c["key"]["id"] for c in ready["changes"] if c["op"] == "update"}
    inserted = [line["values"] for line in entry.before["changes"] if line["op"] == "insert"]
    assert [v["name"] for v in inserted] == ["Crash survivor"]


async def test_a_held_row_reverted_is_audited_with_the_draft_it_leaves(
    tmp_path: Path, demo_server: Any, state_backend: StateBackend
) -> None:
    """A row whose writeback was cut off (outcome unknown), reverted by the user after
    checking the server: one entry, like take theirs; a row not held leaves none."""
    config_path = write_config(tmp_path, demo_server, state=state_backend)
    with state_backend() as state:
        ws = await reopened(config_path, state)
        held, other = ws.table.find({"id": 41}), ws.table.find({"id": 42})
        loaded = ws.table.value(held, "qty")
        ws.table.edit(held, "qty", 4141)
        ws.table.edit(other, "qty", 4242)
        ws.table.add_row({"sku": "PRD-94141", "name": "Held new", "region": "EMEA"})
        new = next(c.row for c in ws.table.changes() if c.op == "insert")
        ws.table.apply_results([RowOutcome(r, "unknown", reason=UNKNOWN) for r in (held, new)])
        ws.journal()
        assert ws.held == {held, new}
        assert ws.revert([other]) == 1
        assert not entries(state, "revert")
        assert ws.revert([held, new]) == 2
        updated, inserted = sorted(entries(state, "revert"), key=lambda e: e.row_key is None)
        draft = state.journal.load(LOGIN, DEST)
    assert not ws.table.dirty and draft is None  # nothing left pending: no draft
    assert updated.row_key == {"id": 41} and updated.outcome == "done"
    assert (updated.before, updated.after) == ({"qty": 4141}, {"qty": loaded})
    assert "revert" in updated.line() and f"qty: 4141 -> {loaded!r}" in updated.line()
    assert inserted.row_key is None and inserted.before["name"] == "Held new"


async def test_held_inserts_and_deletes_a_reload_finds_written_are_audited_as_landed(
    tmp_path: Path, demo_server: Any, state_backend: StateBackend
) -> None:
    """An insert whose key (in its values) the server now has, a delete whose key it no
    longer has: written by the writeback that was cut off. A new row without its key in
    its values cannot be looked up: it stays held."""
    config_path = write_config(tmp_path, demo_server, state=state_backend)
    text = config_path.read_text()  # ids given by the client, on new rows
    id_column = '[destinations.products.columns.id]\ntype = "integer"\n'
    assert id_column + "read_only = true\n" in text
    config_path.write_text(text.replace(id_column + "read_only = true\n", id_column, 1))
    new = {"id": 95252, "sku": "PRD-95252", "name": "Landed new", "region": "EMEA"}
    with state_backend() as state:
        ws = await reopened(config_path, state)
        ws.table.delete_rows([ws.table.find({"id": 52})])
        ws.table.add_row(new)
        ws.table.add_row({"sku": "PRD-95253", "name": "No key", "region": "EMEA"})
        rows = [c.row for c in ws.table.changes()]
        ws.table.apply_results([RowOutcome(r, "unknown", reason=UNKNOWN) for r in rows])
        ws.journal()
        unkeyed = next(c.row for c in ws.table.changes() if c.values.get("name") == "No key")
        # what the cut-off writeback did before it died
        assert httpx.delete(f"{demo_server.api_url}/products/52", timeout=10).is_success
        assert httpx.post(f"{demo_server.api_url}/products", json=new, timeout=10).is_success
        await ws.load()
        landed = entries(state, "insert", "delete")
        draft = state.journal.load(LOGIN, DEST)
    by_op = {e.event: e for e in landed}
    assert len(landed) == 2 and set(by_op) == {"insert", "delete"}
    assert by_op["delete"].row_key == {"id": 52}
    assert by_op["insert"].row_key == {"id": 95252}
    assert by_op["insert"].after["name"] == "Landed new"
    assert all(e.outcome == "done" and e.error == LANDED for e in landed)
    # the landed insert left the change set: only the new row without a key is held
    assert [c.values.get("name") for c in ws.table.changes()] == ["No key"]
    assert ws.held == {unkeyed} and len(draft.snapshot["inserts"]) == 1
