"""`writeback check` and `writeback load` as scripts use them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.support.scripted_server import Reply, ScriptedServer, Seen
from tui.cli import main
from tui.demo import DemoServer


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "writeback.toml"
    path.write_text(text)
    return str(path)


def test_check_prints_one_verdict_per_integration(
    tmp_path: Path, demo_server_session: DemoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path,
        f"""
[integrations.demo]
url = "{demo_server_session.api_url}"
check_path = "/products?limit=1"
[integrations.gone]
url = "{demo_server_session.api_url}"
check_path = "/nothing-here"
""",
    )
    assert main(["check", "--config", path]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("demo  ok                   200 in ")
    assert lines[1].startswith("gone  unexpected response  404 ")
    assert main(["check", "--config", path, "demo"]) == 0
    assert main(["check", "--config", path, "nope"]) == 2
    assert "no integration named 'nope'" in capsys.readouterr().err


def _two_pages(seen: Seen) -> Reply:
    if "page=2" in seen.path:
        return Reply(200, {"data": [{"a": 3, "b": None, "c": "late"}]})
    return Reply(200, {"data": [{"a": 1, "b": "x,y"}, {"a": 2, "b": True}], "next": "/r?page=2"})


def _dest(url: str) -> str:
    return f"""
[integrations.s]
url = "{url}"
[destinations.d]
integration = "s"
path = "/r"
[destinations.d.load]
records = "data"
pagination = {{ type = "next_url", next_url_path = "next" }}
"""


def test_load_jsonl_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ScriptedServer(_two_pages) as server:
        path = _write(tmp_path, _dest(server.url))
        assert main(["load", "d", "--config", path]) == 0
        out, err = capsys.readouterr()
        assert [json.loads(line) for line in out.splitlines()] == [
            {"a": 1, "b": "x,y"},
            {"a": 2, "b": True},
            {"a": 3, "b": None, "c": "late"},
        ]
        assert err.startswith("d: 3 rows, 2 pages, ")
        assert main(["load", "d", "--config", path, "--format", "csv"]) == 0
        out, err = capsys.readouterr()
    assert list(csv.reader(io.StringIO(out))) == [
        ["a", "b"],
        ["1", "x,y"],
        ["2", "true"],
        ["3", ""],
    ]
    assert "column(s) c first appear on page 2" in err


def test_load_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ScriptedServer(_two_pages) as server:
        path = _write(tmp_path, _dest(server.url))
        assert main(["load", "d", "--config", path, "--limit", "1"]) == 0
        assert len(server.seen) == 1
    assert capsys.readouterr().out.count("\n") == 1


def test_load_error_is_one_line_naming_the_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {"errors": [{"title": "Forbidden", "detail": "no access"}], "traceId": "t-1"}
    with ScriptedServer(lambda seen: Reply(403, body)) as server:
        path = _write(tmp_path, _dest(server.url))
        assert main(["load", "d", "--config", path]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        f"writeback load d: GET {server.url}/r: 403 Forbidden: no access (traceId t-1)"
    )
    assert main(["load", "nope", "--config", path]) == 2
