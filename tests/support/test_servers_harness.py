"""The real servers the suite tests against do what the other tests rely on."""

from __future__ import annotations

import select
import socket
import ssl
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.support.servers import JsonServer, PostgRest, TlsServer, UntrustedTlsServer
from tests.support.srv_tls import TlsMaterial

# httpbin


def test_httpbin_basic_auth(httpbin_url: str) -> None:
    url = f"{httpbin_url}/basic-auth/u/p"
    assert httpx.get(url, auth=("u", "p")).status_code == 200
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, auth=("u", "wrong")).status_code == 401


def test_httpbin_digest_auth(httpbin_url: str) -> None:
    url = f"{httpbin_url}/digest-auth/auth/u/p"
    with httpx.Client() as client:
        assert client.get(url, auth=httpx.DigestAuth("u", "p")).json() == {
            "authenticated": True,
            "user": "u",
        }
        assert client.get(url, auth=httpx.DigestAuth("u", "wrong")).status_code == 401


def test_httpbin_answers_beside_a_slow_request(httpbin_url: str) -> None:
    address = urlsplit(httpbin_url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as slow:
        # sent in full before the second request is made: the server has it first
        slow.sendall(b"GET /delay/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert httpx.get(f"{httpbin_url}/status/418").status_code == 418
        assert select.select([slow], [], [], 0)[0] == []  # the slow one still unanswered
        assert slow.makefile("rb").readline().startswith(b"HTTP/1.1 200")


# TLS


def test_tls_material_files(tls_ca: TlsMaterial) -> None:
    key, cert, extra = pkcs12.load_key_and_certificates(
        tls_ca.client_pfx.read_bytes(), tls_ca.pfx_password.encode()
    )
    assert key is not None and cert is not None
    assert len(extra) == 1  # the CA travels with the client cert
    assert tls_ca.ca_path.read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_tls_accepts_client_cert(httpbin_tls: TlsServer) -> None:
    context = ssl.create_default_context()
    context.load_verify_locations(httpbin_tls.ca_path)
    context.load_cert_chain(httpbin_tls.client_cert, httpbin_tls.client_key)
    response = httpx.get(f"{httpbin_tls.url}/get", verify=context)
    assert response.status_code == 200
    assert response.json()["url"].startswith("https://127.0.0.1:")


def test_tls_rejects_missing_client_cert(httpbin_tls: TlsServer) -> None:
    context = httpbin_tls.ssl_context(with_client_cert=False)
    # TLS 1.3 completes the client's side of the handshake before the server
    # checks the certificate, so the refusal may surface on connect or on read.
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{httpbin_tls.url}/get", verify=context)


def test_tls_with_localhost_name(httpbin_tls: TlsServer) -> None:
    url = httpbin_tls.url.replace("127.0.0.1", "localhost")
    assert httpx.get(f"{url}/status/200", verify=httpbin_tls.ssl_context()).status_code == 200


def test_untrusted_cert_fails_verification(httpbin_tls_untrusted: UntrustedTlsServer) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{httpbin_tls_untrusted.url}/get")
    pinned = ssl.create_default_context(cafile=str(httpbin_tls_untrusted.cert_path))
    assert httpx.get(f"{httpbin_tls_untrusted.url}/get", verify=pinned).status_code == 200


# json-server


def test_json_server_pages(json_server_url: str) -> None:
    response = httpx.get(f"{json_server_url}/items", params={"_page": 2, "_limit": 10})
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "250"
    assert [row["id"] for row in response.json()] == list(range(11, 21))
    links = response.headers["Link"]
    for rel in ("first", "prev", "next", "last"):
        assert f'rel="{rel}"' in links
    assert "_page=25" in links


def test_json_server_reset_restores_rows(json_server: JsonServer) -> None:
    items = f"{json_server.url}/items"
    assert httpx.patch(f"{items}/5", json={"qty": 999}).json()["qty"] == 999
    assert httpx.delete(f"{items}/6").status_code == 200
    json_server.reset()
    assert httpx.get(f"{items}/5").json()["qty"] == 35
    assert httpx.get(f"{items}/6").status_code == 200
    assert len(httpx.get(items).json()) == json_server.row_count


# PostgREST


def test_postgrest_limit_offset(postgrest: PostgRest) -> None:
    response = httpx.get(f"{postgrest.url}/items", params={"limit": 5, "offset": 10, "order": "id"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [11, 12, 13, 14, 15]


def test_postgrest_range_header(postgrest: PostgRest) -> None:
    headers = {"Range-Unit": "items", "Range": "0-9", "Prefer": "count=exact"}
    response = httpx.get(f"{postgrest.url}/items?order=id", headers=headers)
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"0-9/{postgrest.row_count}"
    assert len(response.json()) == 10
    # Only with an exact count does PostgREST know the range is past the end.
    past_end = {**headers, "Range": f"{postgrest.row_count + 10}-{postgrest.row_count + 20}"}
    assert httpx.get(f"{postgrest.url}/items", headers=past_end).status_code == 416


def test_postgrest_anon_cannot_write(postgrest: PostgRest) -> None:
    response = httpx.patch(f"{postgrest.url}/items?id=eq.5", json={"qty": 1})
    assert response.status_code in (401, 403)
    assert set(response.json()) >= {"code", "message"}


def test_postgrest_writer_patches(postgrest: PostgRest) -> None:
    headers = {"Authorization": f"Bearer {postgrest.jwt}", "Prefer": "return=representation"}
    response = httpx.patch(f"{postgrest.url}/items?id=eq.5", json={"qty": 7}, headers=headers)
    assert response.status_code == 200
    assert [(row["id"], row["qty"]) for row in response.json()] == [(5, 7)]
    assert postgrest.psql("select qty from api.items where id = 5") == "7"


def test_postgrest_reset_between_tests(postgrest: PostgRest) -> None:
    # Runs after the PATCH above: the fixture has put the seed value back.
    assert postgrest.psql("select qty from api.items where id = 5") == "35"
    assert postgrest.reset() is False  # nothing written since


def test_postgrest_rejects_forged_token(postgrest: PostgRest) -> None:
    forged = PostgRest(postgrest.cluster, jwt_secret="x" * 40).make_jwt("writer")
    headers = {"Authorization": f"Bearer {forged}"}
    response = httpx.patch(f"{postgrest.url}/items?id=eq.5", json={"qty": 1}, headers=headers)
    assert response.status_code == 401
