"""Credentials stay with trusted hosts; redirects and next-page URLs only to allowed places.

Two local servers: A is the integration, B is "somewhere else" (another port is
another origin).  B records every request, so a test can show that nothing, or
nothing secret, reached it.
"""

from __future__ import annotations

import base64
import json
import time
from email.utils import formatdate

import pytest

from tests.support.scripted_server import Reply, ScriptedServer, Seen, config
from tests.support.secret_values import TRUST_HEADER_KEY, TRUST_PASSWORD, TRUST_QUERY_TOKEN
from tests.support.servers import UntrustedTlsServer
from tui.config.model import Config
from tui.rest.connection import Connection
from tui.rest.errors import InsecureUrlRefused, RedirectRefused
from tui.rest.load import iter_pages
from tui.secrets import SecretStore

SECRETS = (TRUST_PASSWORD, TRUST_HEADER_KEY, TRUST_QUERY_TOKEN)


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in zip(("T_PW", "T_HDR", "T_QP"), SECRETS, strict=True):
        monkeypatch.setenv(name, value)


def _config(url_a: str, extra: str = "", dest: str = "") -> Config:
    return config(
        f"""
[integrations.a]
url = "{url_a}"
headers = {{ "X-Api-Key" = {{ env = "T_HDR" }}, "Accept-Language" = "en" }}
params = {{ token = {{ env = "T_QP" }} }}
{extra}
[integrations.a.auth]
type = "basic"
username = "u"
password = {{ env = "T_PW" }}
[destinations.d]
integration = "a"
path = "/rows"
{dest}
"""
    )


def _leaks(server: ScriptedServer) -> list[str]:
    seen = server.headers_seen() + [s.path for s in server.seen]
    return [line for line in seen if "authorization" in line or any(v in line for v in SECRETS)]


def _redirect_to(target: str) -> ScriptedServer:
    return ScriptedServer(lambda seen: Reply(302, b"", {"Location": target}))


@pytest.mark.slow
async def test_redirect_outside_allowlist_is_refused_and_b_sees_nothing() -> None:
    with ScriptedServer(lambda s: Reply(200, {"ok": 1})) as b, _redirect_to(b.url + "/x") as a:
        integration = _config(a.url).integrations["a"]
        async with Connection(integration, SecretStore()) as conn:
            with pytest.raises(RedirectRefused) as caught:
                await conn.request("GET", conn.url("/start"))
    assert b.seen == []
    assert "redirect 302" in str(caught.value) and b.url in str(caught.value)
    # A, the integration's own host, did get the credentials.
    assert any(line.startswith("authorization: basic") for line in a.headers_seen())
    assert not any(v in str(caught.value) for v in SECRETS)


async def test_allowlisted_redirect_is_followed_without_credentials() -> None:
    with ScriptedServer(lambda s: Reply(200, {"ok": 1})) as b, _redirect_to(b.url + "/x") as a:
        cfg = _config(a.url, f'redirect_allowlist = ["{b.url}/"]')
        async with Connection(cfg.integrations["a"], SecretStore()) as conn:
            response = await conn.request("GET", conn.url("/start"))
    assert response.json() == {"ok": 1}
    assert [s.path for s in b.seen] == ["/x"]
    assert _leaks(b) == []
    assert "accept-language: en" in b.headers_seen()  # plain headers do go along


async def test_trusted_host_gets_the_credentials() -> None:
    with ScriptedServer(lambda s: Reply(200, {"ok": 1})) as b, _redirect_to(b.url + "/x") as a:
        host_b = b.url.removeprefix("http://")
        cfg = _config(a.url, f'redirect_allowlist = ["{b.url}/"]\ntrusted_hosts = ["{host_b}"]')
        async with Connection(cfg.integrations["a"], SecretStore()) as conn:
            await conn.request("GET", conn.url("/start"))
    headers = b.seen[0].headers
    assert headers["authorization"].startswith("Basic ")
    assert headers["x-api-key"] == "hdr-0123456789"
    assert "token=qp-0123456789" in b.seen[0].path


@pytest.mark.slow
async def test_next_page_url_to_another_host_is_refused() -> None:
    with ScriptedServer(lambda s: Reply(200, [{"id": 9}])) as b:

        def answer(seen: Seen) -> Reply:
            return Reply(200, {"data": [{"id": 1}], "next": b.url + "/rows?page=2"})

        with ScriptedServer(answer) as a:
            dest = 'load = { records = "data", pagination = { type = "next_url", next_url_path = "next" } }'
            cfg = _config(a.url, dest=dest)
            pages = []
            async with Connection(cfg.integrations["a"], SecretStore()) as conn:
                with pytest.raises(RedirectRefused, match="next page URL") as refused:
                    async for page in iter_pages(conn, cfg.destinations["d"]):
                        pages.append(page)
    assert [p.records for p in pages] == [[{"id": 1}]]  # the first page was delivered
    assert b.seen == []
    assert refused.value.request == f"GET {b.url}/rows?page=2"  # the request refused


async def test_http_next_url_under_https_only_is_refused(
    httpbin_tls_untrusted: UntrustedTlsServer,
) -> None:
    with ScriptedServer(lambda s: Reply(200, [{"id": 2}])) as plain:
        first = {"data": [{"id": 1}], "next": plain.url + "/rows"}
        encoded = base64.urlsafe_b64encode(json.dumps(first).encode()).decode()
        cfg = config(
            f"""
[integrations.s]
url = "{httpbin_tls_untrusted.url}"
https_only = true
verify = false
redirect_allowlist = ["https://127.0.0.1/"]
[destinations.d]
integration = "s"
path = "/base64/{encoded}"
[destinations.d.load]
format = "json"
records = "data"
pagination = {{ type = "next_url", next_url_path = "next" }}
"""
        )
        async with Connection(cfg.integrations["s"], SecretStore()) as conn:
            with pytest.raises(InsecureUrlRefused, match="https_only"):
                async for _ in iter_pages(conn, cfg.destinations["d"]):
                    pass
    assert plain.seen == []


@pytest.mark.slow
async def test_retry_after_as_http_date_is_waited_out() -> None:
    calls: list[float] = []

    def answer(seen: Seen) -> Reply:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Reply(
                429,
                {"error": "slow down"},
                {"Retry-After": formatdate(time.time() + 2, usegmt=True)},
            )
        return Reply(200, [{"id": 1}])

    with ScriptedServer(answer) as a:
        cfg = config(
            f'[integrations.a]\nurl = "{a.url}"\n[destinations.d]\nintegration = "a"\npath = "/r"\n'
        )
        async with Connection(cfg.integrations["a"], SecretStore()) as conn:
            pages = [p async for p in iter_pages(conn, cfg.destinations["d"])]
    assert pages[0].records == [{"id": 1}]
    # An HTTP date has whole seconds: at least one second, at most the two asked for.
    assert 0.9 <= calls[1] - calls[0] <= 2.5


async def test_a_configured_proxy_carries_the_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        for variant in (name, name.lower()):
            monkeypatch.delenv(variant, raising=False)
    with ScriptedServer(lambda seen: Reply(200, {"data": [{"id": 1}]})) as proxy:
        cfg = _config("http://api.example.invalid/v1", extra=f'proxy = "{proxy.url}"')
        async with Connection(cfg.integrations["a"], SecretStore()) as conn:
            response = await conn.request("GET", conn.url("/rows"))
    assert response.json() == {"data": [{"id": 1}]}
    # a forward proxy is asked for the absolute URL; the host itself is never resolved
    assert [s.path for s in proxy.seen] == [
        f"http://api.example.invalid/v1/rows?token={SECRETS[2]}"
    ]
