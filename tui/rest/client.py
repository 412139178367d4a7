"""Build the httpx clients of one integration: TLS, auth, proxy, HTTP/2.

Secrets are resolved here through the caller's SecretStore (so they are known to
its `redact`), and live only inside the built objects.  Clients come in pairs:
one carrying credentials (auth and client certificate) for the integration's own
and trusted hosts, and a plain one for anywhere else a redirect or next-page URL
is allowed to lead; one pair per scheme.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets as pysecrets
import ssl
import tempfile
from collections.abc import Awaitable, Callable, Generator
from pathlib import Path

import httpx
from msgspec import Struct

from tui.config.model import Auth, Integration
from tui.rest.errors import SetupError
from tui.secrets import SecretRef, SecretStore, is_sensitive_header


class Credentials(Struct):
    """Headers and query params that may only go to trusted hosts."""

    headers: dict[str, str]
    params: dict[str, str]


Hook = Callable[..., Awaitable[None]]


class Clients:
    """The integration's clients: with or without credentials, for https:// or http://.

    An https pair is built at once for an https integration (so a bad certificate or
    password is said up front), otherwise on the first https URL; plain-HTTP clients
    never read the trust store."""

    def __init__(self, integration: Integration, store: SecretStore) -> None:
        self._integration = integration
        self._store = store
        self._built: dict[tuple[bool, bool], httpx.AsyncClient] = {}
        self._hooks: dict[str, list[Hook]] = {"request": [], "response": []}
        if integration.http2 and importlib.util.find_spec("h2") is None:
            raise SetupError(
                f"integrations.{integration.id}.http2 needs the h2 package: "
                "pip install 'writeback[http2]'"
            )
        if integration.url.startswith("https://"):
            self.get(trusted=True, secure=True)
            self.get(trusted=False, secure=True)

    def get(self, *, trusted: bool, secure: bool) -> httpx.AsyncClient:
        """The client for a URL: `trusted` carries credentials, `secure` is https."""
        client = self._built.get((trusted, secure))
        if client is None:
            client = _build_client(self._integration, self._store, trusted, secure)
            for event, hooks in self._hooks.items():
                client.event_hooks[event].extend(hooks)
            self._built[(trusted, secure)] = client
        return client

    def add_hooks(self, *, request: Hook | None = None, response: Hook | None = None) -> None:
        """httpx event hooks on every client, built now or later (to observe the wire)."""
        for event, hook in (("request", request), ("response", response)):
            if hook is not None:
                self._hooks[event].append(hook)
                for client in self._built.values():
                    client.event_hooks[event].append(hook)

    async def aclose(self) -> None:
        for client in self._built.values():
            await client.aclose()


def split_values(
    values: dict[str, str | SecretRef], store: SecretStore, *, headers: bool
) -> tuple[dict[str, str], dict[str, str]]:
    """(plain, credential) values; references are resolved, credential names kept apart."""
    plain: dict[str, str] = {}
    secret: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, SecretRef):
            secret[name] = store.resolve(value)
        elif headers and is_sensitive_header(name):
            secret[name] = str(value)
        else:
            plain[name] = str(value)
    return plain, secret


def _build_client(
    integration: Integration, store: SecretStore, trusted: bool, secure: bool
) -> httpx.AsyncClient:
    plain_headers, _ = split_values(integration.headers, store, headers=True)
    # An http:// client never meets TLS (redirects are followed by hand, each URL to the
    # client of its own scheme): verify=False spares it the trust store.
    verify: ssl.SSLContext | bool = (
        ssl_context(integration, store, with_client_cert=trusted) if secure else False
    )
    return httpx.AsyncClient(
        verify=verify,
        auth=build_auth(integration.auth, store) if trusted else None,
        timeout=httpx.Timeout(integration.timeout),
        follow_redirects=False,  # redirects are checked against the allowlist by hand
        proxy=integration.proxy,
        trust_env=integration.trust_env,
        http2=integration.http2,
        headers={"User-Agent": "writeback", **plain_headers},
        limits=httpx.Limits(
            max_connections=integration.max_concurrency,
            max_keepalive_connections=integration.max_concurrency,
        ),
    )


def ssl_context(
    integration: Integration, store: SecretStore, *, with_client_cert: bool
) -> ssl.SSLContext:
    """Default trust store (+ ca_bundle), or no verification at all; client cert if asked."""
    if integration.verify:
        ctx = ssl.create_default_context(cafile=_default_cafile(integration.trust_env))
        if integration.ca_bundle is not None:
            _load(ctx.load_verify_locations, integration.ca_bundle, "ca_bundle")
    else:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    auth = integration.auth
    if with_client_cert and auth.type == "certificate":
        _load_client_cert(ctx, auth, store)
    return ctx


def _default_cafile(trust_env: bool) -> str | None:
    # httpx trusts certifi, not the system store; SSL_CERT_FILE only counts with trust_env.
    if trust_env and os.environ.get("SSL_CERT_FILE"):
        return os.environ["SSL_CERT_FILE"]
    import certifi

    return certifi.where()


def _load(loader: Callable[..., None], path: Path, what: str, *args: object) -> None:
    try:
        loader(str(Path(path).expanduser()), *args)
    except FileNotFoundError:
        raise SetupError(f"{what} {path}: file not found") from None
    except ssl.SSLError as exc:
        raise SetupError(f"{what} {path}: not usable ({exc.reason or exc})") from None
    except OSError as exc:
        raise SetupError(f"{what} {path}: {exc.strerror or exc}") from None


def _load_client_cert(ctx: ssl.SSLContext, auth: Auth, store: SecretStore) -> None:
    if auth.pfx is not None:
        password = store.resolve(auth.pfx_password) if auth.pfx_password else None
        with _pfx_as_pem(auth.pfx, password) as (pem, one_time):
            _load(ctx.load_cert_chain, pem, "pfx", None, one_time)
        return
    password = store.resolve(auth.key_password) if auth.key_password else None
    key = str(Path(auth.key).expanduser()) if auth.key else None
    assert auth.cert is not None  # the schema requires cert or pfx
    _load(ctx.load_cert_chain, auth.cert, "cert", key, password)


@contextlib.contextmanager
def _pfx_as_pem(pfx: Path, password: str | None) -> Generator[tuple[Path, str], None, None]:
    """The PFX's key and chain as a PEM file only we can read, its key encrypted with a
    one-time password; the file is gone when the block ends."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.serialization import pkcs12
    except ImportError:
        raise SetupError(
            "pfx needs the cryptography package: pip install 'writeback[pfx]'"
        ) from None
    path = Path(pfx).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SetupError(f"pfx {pfx}: {exc.strerror or exc}") from None
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None
        )
    except ValueError:
        raise SetupError(f"pfx {pfx}: cannot open (wrong pfx_password or not PKCS#12)") from None
    if key is None or cert is None:
        raise SetupError(f"pfx {pfx}: holds no private key and certificate")
    one_time = pysecrets.token_urlsafe(24)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(one_time.encode()),
    )
    for item in [cert, *(chain or [])]:
        pem += item.public_bytes(serialization.Encoding.PEM)
    fd, name = tempfile.mkstemp(prefix="writeback-", suffix=".pem")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        yield Path(name), one_time
    finally:
        os.unlink(name)


class HeaderAuth(httpx.Auth):
    """A token in a configurable header, with an optional scheme ("Bearer", "Token", "")."""

    def __init__(self, header: str, scheme: str, token: str) -> None:
        self.header = header
        self.value = f"{scheme} {token}" if scheme else token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header] = self.value
        yield request


def build_auth(auth: Auth, store: SecretStore) -> httpx.Auth | None:
    if auth.type in ("none", "certificate"):
        return None
    if auth.type == "bearer":
        assert auth.token is not None
        return HeaderAuth(auth.header, auth.scheme, store.resolve(auth.token))
    username = auth.username or ""
    password = store.resolve(auth.password) if auth.password else ""
    if auth.type == "basic":
        return httpx.BasicAuth(username, password)
    if auth.type == "digest":
        return httpx.DigestAuth(username, password)
    return _ntlm(username, password, auth.domain)


def _ntlm(username: str, password: str, domain: str | None) -> httpx.Auth:
    try:
        from httpx_ntlm import HttpNtlmAuth
    except ImportError:
        raise SetupError(
            "NTLM needs the httpx-ntlm package: pip install 'writeback[ntlm]'"
        ) from None
    user = f"{domain}\\{username}" if domain and "\\" not in username else username
    auth: httpx.Auth = HttpNtlmAuth(user, password)  # httpx-ntlm has no type information
    return auth
