"""The scripted server of the REST engine tests (tests/support/scripted_server.py)."""

from __future__ import annotations

import httpx

from tests.support.scripted_server import Reply, ScriptedServer


def test_scripted_server_records_headers() -> None:
    with ScriptedServer(lambda seen: Reply(201, {"ok": True})) as server:
        response = httpx.get(server.url + "/x", headers={"X-Probe": "1"})
    assert response.status_code == 201 and response.json() == {"ok": True}
    assert server.seen[0].path == "/x"
    assert "x-probe: 1" in server.headers_seen()
