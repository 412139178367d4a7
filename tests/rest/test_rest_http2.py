"""`http2 = true` against a real HTTP/2 server: `writeback load` gets its rows over HTTP/2.

The server is httpbin under hypercorn over TLS, whose ALPN offers h2 and http/1.1; its
access log names the protocol each request came in over. The same load with
`http2 = false` must come in over HTTP/1.1, so the log line tells the two apart.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.support.polling import poll_until
from tests.support.servers import HypercornHttpbin

# httpbin's /json: a fixed slideshow whose slides are the rows.
SLIDE_TITLES = ["Wake up to WonderWidgets!", "Overview"]


def _write_config(path: Path, server: HypercornHttpbin, http2: bool, probe: str) -> Path:
    path.write_text(
        f"""
[integrations.h]
url = "{server.url}"
ca_bundle = "{server.ca_path}"
http2 = {"true" if http2 else "false"}

[destinations.slides]
integration = "h"
path = "/json"

[destinations.slides.load]
records = "slideshow.slides"
params = {{ probe = "{probe}" }}
"""
    )
    return path


def _load(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", "load", "slides", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(("http2", "protocol"), [(True, "HTTP/2"), (False, "HTTP/1.1")])
def test_load_goes_over_the_protocol_configured(
    httpbin_h2: HypercornHttpbin, tmp_path: Path, http2: bool, protocol: str
) -> None:
    probe = uuid.uuid4().hex  # picks this load's request out of the shared server's log
    run = _load(_write_config(tmp_path / "wb.toml", httpbin_h2, http2, probe))

    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [row["title"] for row in rows] == SLIDE_TITLES

    # hypercorn writes the line once the response is out, so it may trail the exit.
    poll_until(lambda: httpbin_h2.access_lines(probe), what=f"the access log line for {probe}")
    assert httpbin_h2.access_lines(probe) == [f"{protocol} GET /json?probe={probe} 200"]
