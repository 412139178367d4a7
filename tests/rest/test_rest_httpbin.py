"""Connections and checks against httpbin: auth, status codes, redirects, delays, TLS."""

from __future__ import annotations

import json

import msgspec.structs
import pytest

from tests.support.scripted_server import config
from tests.support.servers import TlsServer, UntrustedTlsServer
from tui.config.model import Integration
from tui.rest.check import AUTH_FAILED, OK, TIMEOUT, TLS_ERROR, UNEXPECTED, check_integration
from tui.rest.connection import Connection
from tui.rest.errors import HttpStatusError, RedirectRefused
from tui.secrets import SecretStore


def _integration(url: str, extra: str = "", auth: str = "") -> Integration:
    text = f'[integrations.t]\nurl = "{url}"\n{extra}\n'
    if auth:
        text += f"[integrations.t.auth]\n{auth}\n"
    return config(text).integrations["t"]


async def _check(integration: Integration, store: SecretStore | None = None) -> tuple[str, str]:
    result = await check_integration(integration, store or SecretStore())
    return result.verdict, result.detail


async def test_basic_auth_ok_and_refused(httpbin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    auth = 'type = "basic"\nusername = "u"\npassword = { env = "T_PW" }'
    integration = _integration(httpbin_url, 'check_path = "/basic-auth/u/s3cret-pw"', auth)
    monkeypatch.setenv("T_PW", "s3cret-pw")
    assert (await _check(integration))[0] == OK
    monkeypatch.setenv("T_PW", "wrong-pw")
    verdict, detail = await _check(integration)
    assert verdict == AUTH_FAILED and detail.startswith("401")
    assert "wrong-pw" not in detail


async def test_digest_auth(httpbin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_PW", "d1gest-pw")
    auth = 'type = "digest"\nusername = "u"\npassword = { env = "T_PW" }'
    integration = _integration(httpbin_url, 'check_path = "/digest-auth/auth/u/d1gest-pw"', auth)
    verdict, detail = await _check(integration)
    assert (verdict, detail.split()[0]) == (OK, "200")


async def test_bearer_with_configurable_header_and_scheme(
    httpbin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_TOKEN", "tok-123456")
    standard = _integration(
        httpbin_url, 'check_path = "/bearer"', 'type = "bearer"\ntoken = { env = "T_TOKEN" }'
    )
    assert (await _check(standard))[0] == OK
    assert (await _check(_integration(httpbin_url, 'check_path = "/bearer"')))[0] == AUTH_FAILED
    custom = _integration(
        httpbin_url,
        "",
        'type = "bearer"\ntoken = { env = "T_TOKEN" }\nheader = "X-Api-Token"\nscheme = ""',
    )
    async with Connection(custom, SecretStore()) as conn:
        response = await conn.request("GET", conn.url("/headers"))
    assert response.json()["headers"]["X-Api-Token"] == "tok-123456"


async def test_status_codes_give_the_status_and_the_request(httpbin_url: str) -> None:
    integration = _integration(httpbin_url, 'check_path = "/status/418"')
    verdict, detail = await _check(integration)
    assert verdict == UNEXPECTED
    assert detail.startswith("418") and f"[GET {httpbin_url}/status/418]" in detail


async def test_server_errors_are_retried_then_reported_once(httpbin_url: str) -> None:
    integration = _integration(httpbin_url, "retries = 2\nbackoff = 0.01")
    async with Connection(integration, SecretStore()) as conn:
        response = await conn.request("GET", conn.url("/status/503"))
        with pytest.raises(HttpStatusError) as caught:
            conn.raise_for_status(response)
    assert "503" in str(caught.value) and "gave up after 3 tries" in str(caught.value)


async def test_delay_beyond_timeout(httpbin_url: str) -> None:
    integration = _integration(httpbin_url, 'timeout = 0.3\ncheck_path = "/delay/2"')
    verdict, detail = await _check(integration)
    assert verdict == TIMEOUT and "0.3 s" in detail


async def test_redirect_within_own_url_is_followed_elsewhere_refused(httpbin_url: str) -> None:
    integration = _integration(httpbin_url)
    async with Connection(integration, SecretStore()) as conn:
        response = await conn.request("GET", conn.url("/redirect/2"))
        assert response.status_code == 200 and response.url.path == "/get"
        away = conn.url("/redirect-to", {"url": "http://example.invalid/x"})
        with pytest.raises(RedirectRefused, match="example.invalid"):
            await conn.request("GET", away)


async def test_post_is_redirected_as_get_after_302(httpbin_url: str) -> None:
    integration = _integration(httpbin_url)
    async with Connection(integration, SecretStore()) as conn:
        url = conn.url("/redirect-to", {"url": "/anything", "status_code": "302"})
        response = await conn.request("POST", url, content=b"{}")
    assert response.json()["method"] == "GET"


# -- TLS --------------------------------------------------------------------------------


def _tls(server: TlsServer, auth: str) -> Integration:
    return _integration(server.url, f'ca_bundle = "{server.ca_path}"\ncheck_path = "/get"', auth)


async def test_client_certificate_pem(httpbin_tls: TlsServer) -> None:
    auth = f'type = "certificate"\ncert = "{httpbin_tls.client_cert}"\nkey = "{httpbin_tls.client_key}"'
    verdict, detail = await _check(_tls(httpbin_tls, auth))
    assert verdict == OK, detail
    verdict, detail = await _check(_tls(httpbin_tls, ""))
    assert verdict == TLS_ERROR, detail


async def test_client_certificate_pfx(
    httpbin_tls: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_PFX", httpbin_tls.pfx_password)
    auth = f'type = "certificate"\npfx = "{httpbin_tls.client_pfx}"\npfx_password = {{ env = "T_PFX" }}'
    verdict, detail = await _check(_tls(httpbin_tls, auth))
    assert verdict == OK, detail
    monkeypatch.setenv("T_PFX", "not-the-password")
    verdict, detail = await _check(_tls(httpbin_tls, auth))
    assert verdict == TLS_ERROR and "wrong pfx_password" in detail


async def test_untrusted_certificate_and_verify_false(
    httpbin_tls_untrusted: UntrustedTlsServer,
) -> None:
    strict = _integration(httpbin_tls_untrusted.url, 'check_path = "/get"')
    verdict, detail = await _check(strict)
    assert verdict == TLS_ERROR and "certificate" in detail
    loose = _integration(httpbin_tls_untrusted.url, 'verify = false\ncheck_path = "/get"')
    assert (await _check(loose))[0] == OK


async def test_secrets_never_appear_in_errors(
    httpbin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_KEY", "key-abcdef-9876")
    text = (
        f'[integrations.t]\nurl = "{httpbin_url}"\n'
        'params = { api_key = { env = "T_KEY" } }\n'
        'check_path = "/status/500"\nretries = 0\n'
    )
    store = SecretStore()
    result = await check_integration(config(text).integrations["t"], store)
    assert result.verdict == UNEXPECTED
    assert "key-abcdef-9876" not in json.dumps(msgspec.structs.asdict(result))
