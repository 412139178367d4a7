"""`writeback push` end to end: a real demo server, the real command, the server's data after."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.support.journal import dead_writer
from tests.support.push_cli import AUTH, TOKEN, lines, product, push, write_config
from tui.state import StateStore, current_identity
from tui.state.intents import Planned
from tui.workspace.recovery import NOT_LANDED
from tui.workspace.report import LANDED

pytestmark = pytest.mark.slow  # the command as a process


def test_push_changes_writes_and_reports_each_row(tmp_path: Path, make_demo_server) -> None:
    server = make_demo_server(token=TOKEN)
    config = write_config(tmp_path, server, AUTH)
    changes = lines(
        tmp_path,
        {"op": "update", "key": {"id": 7}, "set": {"qty": 70}},
        {"op": "insert", "values": {"name": "Gadget", "sku": "PRD-88888", "region": "EMEA"}},
        {"op": "delete", "key": {"id": 9}},
    )
    run = push(config, "products", "--changes", str(changes))
    assert run.returncode == 0, run.stderr
    out = run.stdout.splitlines()
    assert out[-1] == "1 inserted, 1 updated, 1 deleted"
    assert "update id=7: done: 204" in out
    assert product(server, 7)["qty"] == 70
    new_id = int(
        next(line for line in out if line.startswith("insert")).split("id=")[1].split(":")[0]
    )
    assert product(server, new_id)["name"] == "Gadget"
    assert product(server, 9)["errors"][0]["status"] == "404"
    assert TOKEN not in run.stdout + run.stderr


def test_push_conflict_and_failure_exit_1(tmp_path: Path, demo_server) -> None:
    config = write_config(tmp_path, demo_server)
    changes = lines(
        tmp_path,
        {"op": "update", "key": {"id": 3}, "set": {"qty": 5}, "was": {"qty": 987654}},
        {"op": "update", "key": {"id": 4}, "set": {"qty": 44}},
    )
    run = push(config, "products", "--changes", str(changes), "--format", "jsonl")
    assert run.returncode == 1
    assert f"{changes}: line 1: conflict: qty is" in run.stderr
    [result] = [json.loads(line) for line in run.stdout.splitlines()]
    assert (result["key"], result["status"]) == ({"id": 4}, "done")
    assert product(demo_server, 3)["qty"] != 5
    assert product(demo_server, 4)["qty"] == 44
    # the conflict found from `was` is audited as one, like those a 412 finds
    with StateStore(tmp_path / "state.db") as state:
        entries = state.audit.query(destination="products", limit=None)
    [conflict] = [e for e in entries if e.outcome == "conflict"]
    assert (conflict.row_key, conflict.before, conflict.after) == (
        {"id": 3},
        {"qty": 987654},
        {"qty": 5},
    )
    assert conflict.error.startswith("conflict: qty is")


def test_dry_run_sends_nothing_and_masks_the_token(tmp_path: Path, make_demo_server) -> None:
    server = make_demo_server(token=TOKEN)
    config = write_config(tmp_path, server, AUTH)
    changes = lines(tmp_path, {"op": "update", "key": {"id": 2}, "set": {"price": 9.5}})
    before = product(server, 2)
    count = server.request_count
    run = push(config, "products", "--changes", str(changes), "--dry-run", "--format", "jsonl")
    assert run.returncode == 0, run.stderr
    [request] = [json.loads(line) for line in run.stdout.splitlines()]
    assert request["method"] == "PATCH" and request["url"].endswith("/products/2")
    assert request["headers"]["Authorization"] == "Bearer ***"
    assert json.loads(request["body"]) == [{"op": "replace", "path": "/price", "value": 9.5}]
    assert request["curl"].startswith("curl -X PATCH")
    assert TOKEN not in run.stdout + run.stderr
    assert product(server, 2) == before
    methods = [m for m, _p, _s in server.recent_requests[-(server.request_count - count) :]]
    assert set(methods) == {"GET"}


def test_push_rows_writes_the_difference(tmp_path: Path, demo_server) -> None:
    config = write_config(tmp_path, demo_server)
    rows = httpx.get(f"{demo_server.api_url}/products", params={"limit": 1000}, timeout=10)
    data = rows.json()["data"]
    while rows.json()["links"].get("next"):
        rows = httpx.get(rows.json()["links"]["next"]["href"], timeout=10)
        data += rows.json()["data"]
    desired = [{k: v for k, v in r.items() if k != "_etag"} for r in data if r["id"] != 12]
    desired[0]["qty"] = 4321
    path = tmp_path / "desired.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in desired))
    run = push(config, "products", "--rows", str(path))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "1 updated, 1 deleted"
    assert product(demo_server, desired[0]["id"])["qty"] == 4321


def test_bad_change_file_names_the_line(tmp_path: Path, demo_server) -> None:
    config = write_config(tmp_path, demo_server)
    path = tmp_path / "bad.jsonl"
    path.write_text('{"op": "update", "key": {"id": 1}, "set": {"qty": 1}}\n{"op": "upsert"}\n')
    run = push(config, "products", "--changes", str(path))
    assert run.returncode == 2
    assert run.stderr.startswith(f"{path}: line 2:")
    assert run.stderr.count("\n") == 1


def test_read_only_destination_is_refused(tmp_path: Path, demo_server) -> None:
    config = write_config(tmp_path, demo_server)
    config.write_text(
        config.read_text().replace(
            'payload = "json-patch"\nconflict_check',
            'payload = "json-patch"\nread_only = true\nconflict_check',
            1,
        )
    )
    changes = lines(tmp_path, {"op": "delete", "key": {"id": 1}})
    run = push(config, "products", "--changes", str(changes))
    assert run.returncode == 3 and "read-only" in run.stderr


def test_after_write_rows_and_reload_hook(tmp_path: Path, demo_server) -> None:
    config = write_config(tmp_path, demo_server)
    hook = (
        'after_write = "hook"\n[destinations.products.reload_hook]\nintegration = "demo"\n'
        'method = "POST"\npath = "/web-integrations"\n'
        'body = \'{"name": "reload marker", "validOrigins": ["https://reload.example.com"]}\'\n'
    )
    text = config.read_text().replace(
        "[destinations.products.load]", hook + "[destinations.products.load]", 1
    )
    config.write_text(text)
    changes = lines(tmp_path, {"op": "update", "key": {"id": 2}, "set": {"qty": 2}})
    run = push(config, "products", "--changes", str(changes))
    assert run.returncode == 0, run.stderr
    assert "after writeback: reload hook POST" in run.stderr and ": 201" in run.stderr
    names = httpx.get(f"{demo_server.api_url}/web-integrations", params={"limit": 100}, timeout=10)
    assert "reload marker" in [item["name"] for item in names.json()["data"]]
    config.write_text(text.replace('after_write = "hook"', 'after_write = "rows"'))
    changes = lines(tmp_path, {"op": "update", "key": {"id": 3}, "set": {"qty": 3}})
    run = push(config, "products", "--changes", str(changes))
    assert run.returncode == 0, run.stderr
    assert "after writeback: reloaded 1 rows" in run.stderr


def test_push_plans_its_rows_once(tmp_path: Path, demo_server, monkeypatch, capsys) -> None:
    """The change set is turned into rows once per push, however many it prints."""
    from tui.cli import main
    from tui.workspace import writing

    calls: list[int] = []
    planned = writing.row_changes

    def counted(table, dest):  # a spy on the real function: it still does the work
        rows = planned(table, dest)
        calls.append(len(rows))
        return rows

    monkeypatch.setattr(writing, "row_changes", counted)
    config = write_config(tmp_path, demo_server)
    changes = lines(
        tmp_path,
        *({"op": "update", "key": {"id": i}, "set": {"qty": 500 + i}} for i in (41, 42, 43)),
    )
    assert main(["push", "products", "--changes", str(changes), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert calls == [3]
    assert sorted(line for line in out.splitlines() if line.startswith("update")) == [
        f"update id={i}: done: 204" for i in (41, 42, 43)
    ]
    assert [product(demo_server, i)["qty"] for i in (41, 42, 43)] == [541, 542, 543]


def test_push_reads_back_the_rows_an_interrupted_push_left_unknown(
    tmp_path: Path, make_demo_server
) -> None:
    """A push killed with two requests on the wire: one landed, one did not. The next push
    reads both back one by one (read_row is configured), audits the one the server holds
    as found there, prints the other as unknown and does not send it this time; the
    push after that sends it."""
    server = make_demo_server()
    config = write_config(tmp_path, server)
    config.write_text(
        config.read_text() + '\n[destinations.products.read_row]\npath = "/products/{id}"\n'
    )
    login = current_identity().login
    with StateStore(tmp_path / "state.db") as state:
        state.intents.announce(
            dead_writer(login),
            "cut",
            "products",
            [
                Planned('{"key": {"id": 5}}', "update", {"key": {"id": 5}, "set": {"qty": 555}}),
                Planned('{"key": {"id": 6}}', "update", {"key": {"id": 6}, "set": {"qty": 666}}),
            ],
        )
    httpx.patch(f"{server.api_url}/products/5", json={"qty": 555}, timeout=10)
    changes = lines(
        tmp_path,
        {"op": "update", "key": {"id": 5}, "set": {"qty": 555}},
        {"op": "update", "key": {"id": 6}, "set": {"qty": 666}},
    )
    seen = len(list(server.recent_requests))
    run = push(config, "products", "--changes", str(changes))
    assert run.returncode == 1, run.stderr
    assert f"1 rows of an interrupted writeback {LANDED}" in run.stdout
    assert "update id=6: unknown: outcome unknown" in run.stdout
    asked = list(server.recent_requests)[seen:]
    assert ("GET", "/api/v1/products/5", 200) in asked and (
        "GET",
        "/api/v1/products/6",
        200,
    ) in asked
    assert not [r for r in asked if r[0] == "PATCH"], "nothing sent: 5 is there, 6 is held"
    with StateStore(tmp_path / "state.db") as state:
        entries = state.audit.query(destination="products", limit=None)
        assert not state.intents.of_run("cut", "products")
    assert [(e.row_key, e.outcome, e.error) for e in entries if e.row_key] == [
        ({"id": 5}, "done", LANDED),
        ({"id": 6}, "unknown", NOT_LANDED),
    ]
    again = push(config, "products", "--changes", str(changes))
    assert again.returncode == 0, again.stderr
    assert "update id=6: done" in again.stdout and product(server, 6)["qty"] == 666
