"""The command line as scripts use it: help, exit codes, one-line errors, no secrets."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tui.config import parse_config
from tui.demo.config_text import demo_config_text

COMMANDS = [
    "demo",
    "validate",
    "check",
    "load",
    "push",
    "lock",
    "unlock",
    "locks",
    "audit",
    "secret",
]


def wb(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help(command: str) -> None:
    run = wb(command, "--help")
    assert run.returncode == 0, run.stderr
    assert f"usage: writeback {command}" in run.stdout
    assert "exit codes:" in run.stdout


def test_the_top_level_help_and_a_mistyped_command_list_every_command() -> None:
    listed = wb("--help").stdout
    mistyped = wb("lod", "x")
    assert mistyped.returncode == 2
    for command in [*COMMANDS, "state"]:
        assert command in listed and repr(command) in mistyped.stderr


def test_every_subcommand_runs_a_module_of_commands() -> None:
    from tui.cli import COMMANDS as REGISTRY

    assert list(REGISTRY) == [*COMMANDS, "state"]
    for command in REGISTRY.values():
        assert callable(importlib.import_module(f"tui.commands.{command.module}").run)


def test_usage_error_is_one_line_exit_2() -> None:
    run = wb("push", "dest")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "one of the arguments" in run.stderr


def test_config_discovery_order(tmp_path: Path) -> None:
    good = '[integrations.a]\nurl = "https://a.example.com"\n'
    (tmp_path / "writeback.toml").write_text(good)
    env_config = tmp_path / "env.toml"
    env_config.write_text(good + '[integrations.b]\nurl = "https://b.example.com"\n')
    home = {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}

    def validate_in_dir(**env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "tui", "validate"],
            cwd=tmp_path,
            text=True,
            capture_output=True,
            timeout=60,
            env={**os.environ, **home, "PYTHONPATH": os.getcwd(), **env},
        )

    run = validate_in_dir()
    assert run.stdout.startswith("writeback.toml: ok (1 integrations"), run.stderr
    run = validate_in_dir(WRITEBACK_CONFIG=str(env_config))
    assert "ok (2 integrations" in run.stdout
    (tmp_path / "writeback.toml").unlink()
    run = validate_in_dir()
    assert run.returncode == 2
    assert run.stderr.startswith(str(tmp_path / "xdg" / "writeback" / "config.toml"))


def test_secrets_never_reach_output(tmp_path: Path) -> None:
    secret = "Zq8-literal-token-77"
    config = tmp_path / "c.toml"
    config.write_text(
        '[integrations.a]\nurl = "https://u:' + secret + '@a.example.com"\n'
        '[integrations.a.auth]\ntype = "bearer"\ntoken = "' + secret + '"\n'
        'headers = { "X-API-Key" = "' + secret + '" }\n'
    )
    run = wb("validate", "--config", str(config))
    assert run.returncode == 2
    assert len(run.stderr.splitlines()) >= 3
    assert secret not in run.stdout + run.stderr


def test_secret_set_without_keyring_is_one_line(tmp_path: Path) -> None:
    run = wb(
        "secret",
        "set",
        "crm",
        stdin="value-not-to-show\n",
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "keyring" in run.stderr
    assert "value-not-to-show" not in run.stdout + run.stderr


def test_demo_config_is_valid() -> None:
    config = parse_config(demo_config_text("http://127.0.0.1:9/api/v1", Path("/tmp/s.db")))
    assert config.destinations["products"].load.etag_field == "_etag"
    assert config.integrations["demo"].url == "http://127.0.0.1:9/api/v1"


@pytest.mark.servers  # the demo server as a process
def test_demo_serves_rows_and_writes_its_config(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui",
            "demo",
            "--serve-only",
            "--rows",
            "300",
            "--data-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = _read_url(proc)
        rows = httpx.get(url, params={"limit": 5}, timeout=10).json()["data"]
        assert [row["id"] for row in rows] == [1, 2, 3, 4, 5]
        config = tmp_path / "demo.toml"
        assert wb("validate", "--config", str(config)).returncode == 0
        assert url.rsplit("/products", 1)[0] in config.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def _read_url(proc: subprocess.Popen) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("demo server:"):
            return line.split(":", 1)[1].strip()
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"demo did not start: {proc.stderr.read()}")
