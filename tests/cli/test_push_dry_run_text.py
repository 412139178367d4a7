"""`writeback push --dry-run` in text: the requests as the app's preview shows them,
each followed by its curl, secrets masked, and a closing line; nothing sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.push_cli import AUTH, TOKEN, lines, product, push, write_config

pytestmark = pytest.mark.slow  # the command as a process


def test_text_dry_run_shows_requests_and_curl_masked(tmp_path: Path, make_demo_server) -> None:
    server = make_demo_server(token=TOKEN)
    config = write_config(tmp_path, server, AUTH)
    changes = lines(
        tmp_path,
        {"op": "update", "key": {"id": 3}, "set": {"qty": 33}},
        {"op": "delete", "key": {"id": 4}},
    )
    before = product(server, 3), product(server, 4)
    run = push(config, "products", "--changes", str(changes), "--dry-run")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert TOKEN not in out + run.stderr
    assert "PATCH " in out and "/products/3\n" in out and "DELETE " in out
    assert "Authorization: Bearer ***" in out
    curls = [line for line in out.splitlines() if line.startswith("# curl -X ")]
    assert [c.split()[3] for c in curls] == ["PATCH", "DELETE"]
    assert out.rstrip().endswith("dry run: 2 requests for 2 changed rows; nothing sent")
    assert (product(server, 3), product(server, 4)) == before
