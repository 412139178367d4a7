"""Running `writeback push` against a demo server: its config, change files, the server's rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.secret_values import PUSH_DEMO_TOKEN
from tui.demo.config_text import demo_config_text

TOKEN = PUSH_DEMO_TOKEN
AUTH = '[integrations.demo.auth]\ntype = "bearer"\ntoken = { env = "WB_TEST_TOKEN" }\n'


def write_config(tmp_path: Path, server, extra: str = "") -> Path:
    text = demo_config_text(server.api_url, tmp_path / "state.db")
    path = tmp_path / "wb.toml"
    path.write_text(text.replace("[destinations.products]", extra + "[destinations.products]", 1))
    return path


def push(config: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WB_TEST_TOKEN": TOKEN}
    return subprocess.run(
        [sys.executable, "-m", "tui", "push", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def lines(tmp_path: Path, *changes: dict) -> Path:
    path = tmp_path / "changes.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in changes))
    return path


def product(server, row_id: int) -> dict:
    return httpx.get(
        f"{server.api_url}/products/{row_id}",
        timeout=10,
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).json()
