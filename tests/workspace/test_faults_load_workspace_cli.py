"""Loading rows through a faulty network: what the user is left with. The workspace keeps
the pages loaded before the fault; the command line prints them, then one error line
(exit 1), and rides out faults it may retry.

A real demo server (with a bearer token) sits behind the fault proxy; the demo
config's `products` destination is loaded through the proxy with the real
engine (`Workspace.load`) and the real command line.  Every error
must be one line naming the request, without a traceback or the token.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.fault_proxy import FaultProxy, big_body, body, html_error, reset, status
from tests.support.faulty_load import (
    CERT_REFUSED,
    DEST,
    PAGE_1,
    PAGE_3,
    ROWS,
    SERVER_ERROR,
    MakeProxy,
    _assert_clear,
    _config,
    _config_file,
    _faults,
    _request,
)
from tests.support.state_support import TOKEN, cli, who
from tui.cli import main
from tui.demo import DemoServer
from tui.rest.errors import HttpStatusError
from tui.secrets import SecretStore
from tui.state import StateStore
from tui.workspace import Workspace

# -- rows already loaded -----------------------------------------------------------------


async def test_the_workspace_keeps_the_pages_loaded_before_the_fault(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(status(500, SERVER_ERROR), path=PAGE_3)
    config = _config(tmp_path, proxy)
    seen: list[int] = []
    with StateStore(tmp_path / "state.db") as state:
        workspace = Workspace(config, DEST, state, who("alice"), SecretStore())
        with pytest.raises(HttpStatusError) as caught:
            await workspace.load(on_page=lambda page: seen.append(page.rows))
    _assert_clear(caught.value, _request(proxy, PAGE_3))
    assert seen == [1000, 2000] and workspace.table.row_count == 2000
    assert workspace.table.value(1999, "id") == 2000


# -- the command line --------------------------------------------------------------------


def test_cli_load_prints_the_rows_before_the_fault_then_one_error_line(
    tmp_path: Path, proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    proxy.add(status(500, SERVER_ERROR), path=PAGE_3)
    path = _config_file(tmp_path, proxy, "retries = 3\nbackoff = 0\n")
    assert main(["load", DEST, "--config", str(path)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2000
    last = err.strip().splitlines()[-1]
    message = last.removeprefix(f"writeback load {DEST}: ")
    assert message != last and "database is locked" in message
    _assert_clear(message, _request(proxy, PAGE_3))
    assert TOKEN not in out + err


def test_cli_load_rides_out_a_503_and_a_reset(
    tmp_path: Path, proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    proxy.add(status(503), path=PAGE_1)
    proxy.add(reset(after_bytes=50), path=PAGE_3)
    path = _config_file(tmp_path, proxy, "retries = 2\nbackoff = 0\n")
    assert main(["load", DEST, "--config", str(path)]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == ROWS and err.startswith(f"{DEST}: 5,000 of 5,000 rows, 5 pages")
    assert _faults(proxy, PAGE_1) == ["status", "pass"]
    assert _faults(proxy, PAGE_3) == ["reset", "pass"]


CLI_FAULTS = {
    "tls": (None, CERT_REFUSED),
    "truncated-json": (body(b'{"data": [{"id": 1, "na'), "the body is not valid JSON"),
    "html": (html_error(503), "503 Service Unavailable: nginx/1.25.3$"),
    "big-until-close": (
        big_body(50, content_length=False),
        r"200 answer larger than 32 MB; not read \(max_response_mb\)$",
    ),
}


@pytest.mark.parametrize("fault", list(CLI_FAULTS))
def test_cli_load_as_a_process_fails_with_one_line_and_exit_1(
    tmp_path: Path,
    fault_proxy: MakeProxy,
    upstream: DemoServer,
    untrusted_cert: tuple[Path, Path],
    fault: str,
) -> None:
    proxy = fault_proxy(upstream.url, tls=untrusted_cert if fault == "tls" else None)
    injected, expected = CLI_FAULTS[fault]
    if injected is not None:
        proxy.add(injected, path=PAGE_1)
    run = cli(_config_file(tmp_path, proxy, "retries = 0\n"), "load", DEST)
    assert run.returncode == 1 and run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr  # nothing else on stderr: no warnings, no traceback
    line = lines[0]
    message = _assert_clear(line.removeprefix(f"writeback load {DEST}: "), _request(proxy))
    assert re.search(expected, message) and TOKEN not in run.stdout + run.stderr
