"""Where requests may go and where credentials may be sent.

- Credentials (auth, client certificate, secret headers and params) go only to
  the integration's own host and its `trusted_hosts`.
- A redirect, or a next-page URL handed out by the service, is followed only
  when it stays under the integration's own URL or a `redirect_allowlist`
  prefix; anything else is refused, not followed.
- `https_only` refuses every http:// URL, including those the service sends.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from msgspec import Struct

from tui.config.model import Integration
from tui.rest.errors import InsecureUrlRefused, RedirectRefused
from tui.secrets import MASK, is_sensitive_header

_DEFAULT_PORTS = {"http": 80, "https": 443}


class _Origin(Struct, frozen=True):
    scheme: str
    host: str
    port: int | None  # None: any port (a trusted host given without one)


class _Prefix(Struct, frozen=True):
    origin: _Origin
    path: str  # "" or ending in "/"


def _as_url(url: httpx.URL | str) -> httpx.URL:
    return url if isinstance(url, httpx.URL) else httpx.URL(url)  # parsing costs: once


def _origin(url: httpx.URL | str) -> _Origin:
    url = _as_url(url)
    port = url.port or _DEFAULT_PORTS.get(url.scheme)
    return _Origin(url.scheme, url.host.lower(), port)


def _prefix(text: str) -> _Prefix:
    url = httpx.URL(text)
    path = url.path if url.path.endswith("/") else url.path + "/"
    return _Prefix(_origin(url), "" if path == "/" else path)


def _host_entry(entry: str) -> tuple[str, int | None]:
    """A trusted host as written: "files.example.com", "host:8443" or a URL."""
    parts = urlsplit(entry if "://" in entry else f"//{entry}")
    return (parts.hostname or entry).lower(), parts.port


class TrustPolicy:
    """Answers the three questions above for one integration."""

    def __init__(self, integration: Integration) -> None:
        self.https_only = integration.https_only
        self._own = _origin(integration.url)
        self._trusted = [_host_entry(h) for h in integration.trusted_hosts]
        self._prefixes = [_prefix(integration.url)] + [
            _prefix(p) for p in integration.redirect_allowlist
        ]

    def refuses_scheme(self, url: httpx.URL) -> bool:
        return self.https_only and url.scheme != "https"

    def check_scheme(self, url: httpx.URL, request: str = "") -> None:
        if self.refuses_scheme(url):
            raise InsecureUrlRefused(
                f"refused {safe_url(url)}: https_only is set and this URL is {url.scheme}://",
                request=request,
            )

    def sends_credentials_to(self, url: httpx.URL) -> bool:
        origin = _origin(url)
        if origin.host == self._own.host and origin.port == self._own.port:
            return True
        return any(
            origin.host == host and (port is None or port == origin.port)
            for host, port in self._trusted
        )

    def may_follow(self, url: httpx.URL) -> bool:
        origin = _origin(url)
        path = url.path if url.path.endswith("/") else url.path + "/"
        return any(p.origin == origin and path.startswith(p.path) for p in self._prefixes)

    def check_follow(self, source: httpx.URL, target: httpx.URL, what: str, request: str) -> None:
        """Refuse a redirect or a next-page URL that leaves the allowed places."""
        self.check_scheme(target, request)
        if not self.may_follow(target):
            raise RedirectRefused(
                f"{what} to {safe_url(target)} refused: not under the integration URL "
                "or redirect_allowlist",
                request=request,
            )


def safe_url(url: httpx.URL | str) -> str:
    """The URL without user info, and with credential-looking query values masked."""
    url = _as_url(url)
    if url.userinfo:
        url = url.copy_with(username=None, password=None)
    if any(is_sensitive_header(name) for name in url.params):
        masked = [(k, MASK if is_sensitive_header(k) else v) for k, v in url.params.multi_items()]
        url = url.copy_with(params=masked)
    return str(url)
