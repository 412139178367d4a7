"""Errors of the REST engine, and error bodies turned into one readable line.

Every message is one line, names the request (method and URL without
credentials) and never holds a secret: callers pass text through
`SecretStore.redact` before it reaches an exception.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from tui.rest.wire import text_encoding

_MAX_DETAIL = 300
_HTML_SCAN = 10_000  # characters of an HTML error page read for its title and text
# HTML error pages only: compiled on first use (re caches them), not at each start.
_TAG = r"<[^>]+>"
_SCRIPT = r"(?is)<(script|style)\b.*?</\1\s*>"
_TITLE = r"(?is)<title[^>]*>(.*?)</title\s*>"


class RestError(Exception):
    """Anything that went wrong talking to a REST service; `str()` is one line."""

    def __init__(self, message: str, *, request: str = "") -> None:
        self.message = one_line(message)
        self.request = request  # "GET https://host/path", credentials removed
        super().__init__(f"{request}: {self.message}" if request else self.message)


class SetupError(RestError):
    """The client cannot be built: a certificate file, a password, a missing package."""


class PolicyError(RestError):
    """Refused by the integration's own policy before anything was sent."""


class InsecureUrlRefused(PolicyError):
    """An http:// URL under https_only."""


class RedirectRefused(PolicyError):
    """A redirect (or a next-page URL) to a place outside the allowlist."""


class TransportError(RestError):
    """No HTTP response: the connection failed or broke.

    `nothing_sent`: the request cannot have reached the service (no connection, TLS
    handshake refused), so a write failed for sure instead of ending unknown."""

    def __init__(self, message: str, *, request: str = "", nothing_sent: bool = False) -> None:
        super().__init__(message, request=request)
        self.nothing_sent = nothing_sent


class Unreachable(TransportError):
    """Name resolution failed, or the connection could not be opened."""


class TimedOut(TransportError):
    """The service did not answer within the integration's timeout."""


class TlsError(TransportError):
    """The TLS handshake failed: certificate not trusted, client certificate refused."""


class HttpStatusError(RestError):
    """The service answered with a status that is not a success."""

    def __init__(self, message: str, *, request: str = "", status: int = 0) -> None:
        super().__init__(message, request=request)
        self.status = status


class AuthFailed(HttpStatusError):
    """401 or 403: the credentials were refused."""


class ResponseError(RestError):
    """A success status, but a body that cannot be read as the expected format."""


class ResponseTooLarge(ResponseError):
    """The body is over the integration's max_response_mb; it was not read."""

    def __init__(self, message: str, *, request: str = "", status: int = 0) -> None:
        super().__init__(message, request=request)
        self.status = status


class PaginationError(RestError):
    """Pagination cannot go on: a repeated next URL or token, a bad total."""


class MaxPagesReached(PaginationError):
    """The max_pages guard stopped a load while the service still offered a next page."""


def one_line(text: str, limit: int = _MAX_DETAIL) -> str:
    """Whitespace collapsed, cut to `limit` characters with an ellipsis."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def status_text(response: httpx.Response, detail: str) -> str:
    """ "502 Bad Gateway: detail", without saying the status twice when the body repeats it."""
    text = f"{response.status_code} {response.reason_phrase}".strip()
    for said in (text, response.reason_phrase):
        if said and detail.startswith(said):
            detail = detail.removeprefix(said).lstrip(" :-")
    return f"{text}: {detail}" if detail else text


def describe_body(response: httpx.Response) -> str:
    """An error body in one line: Qlik errors[], problem+json, PostgREST, text or HTML."""
    raw = response.content
    if not raw.strip():
        return ""
    text = raw.decode(text_encoding(response.charset_encoding) or "utf-8", "replace")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = None
    if data is not None:
        described = describe_json_error(data)
        if described:
            return one_line(described)
    content_type = response.headers.get("content-type", "")
    if "html" in content_type or text.lstrip()[:1] == "<":
        # The regexes below are quadratic on unclosed tags; the page's head says enough.
        return one_line(_html_text(text[:_HTML_SCAN]))
    return one_line(text)


def describe_json_error(data: Any) -> str:
    """The common JSON error shapes in one line; "" when the body is none of them."""
    try:
        return one_line(_describe_json(data))
    except RecursionError:
        return ""  # {"error": {"error": ...}} nested past the stack: no shape of ours


def _describe_json(data: Any) -> str:
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return _describe_json(data[0])
    if not isinstance(data, dict):
        return ""
    for describe in (_qlik, _postgrest, _problem, _generic):
        text = describe(data)
        if text:
            return text
    return ""


def _qlik(data: dict[str, Any]) -> str:
    errors = data.get("errors")
    if not isinstance(errors, list) or not errors:
        return ""
    parts = []
    for item in errors[:3]:
        if isinstance(item, dict):
            parts.append(_qlik_item(item))
        else:
            parts.append(str(item))
    if len(errors) > 3:
        parts.append(f"and {len(errors) - 3} more")
    text = "; ".join(p for p in parts if p)
    trace = data.get("traceId")
    return f"{text} (traceId {trace})" if trace else text


def _qlik_item(item: dict[str, Any]) -> str:
    title = _text(item.get("title"))
    detail = _text(item.get("detail"))
    code = _text(item.get("code"))
    text = ": ".join(p for p in (title, detail) if p) or code
    source = item.get("source")
    if isinstance(source, dict):
        where = source.get("pointer") or source.get("parameter")
        if where:
            text += f" at {where}"
    if code and code not in text:
        text += f" [{code}]"
    return text


def _postgrest(data: dict[str, Any]) -> str:
    if "message" not in data or not ({"code", "hint", "details"} & set(data)):
        return ""
    text = _text(data.get("message"))
    if data.get("code"):
        text += f" [{_text(data['code'])}]"
    for key in ("details", "hint"):
        if data.get(key):
            text += f"; {key}: {_text(data[key])}"
    return text


def _problem(data: dict[str, Any]) -> str:
    # RFC 9457: title is the kind of problem, detail this occurrence.
    if "title" not in data and "detail" not in data:
        return ""
    text = ": ".join(p for p in (_text(data.get("title")), _text(data.get("detail"))) if p)
    if data.get("instance"):
        text += f" ({_text(data['instance'])})"
    return text


def _generic(data: dict[str, Any]) -> str:
    for key in ("error_description", "message", "error", "detail", "msg"):
        value = data.get(key)
        if isinstance(value, dict):
            nested = _describe_json(value)
            if nested:
                return nested
        elif value:
            return _text(value)
    return ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _html_text(text: str) -> str:
    import html  # only an HTML answer needs it

    title = re.search(_TITLE, text)
    body = re.sub(_TAG, " ", re.sub(_SCRIPT, " ", text))
    words = html.unescape(" ".join(body.split()))
    if title:
        heading = html.unescape(" ".join(title.group(1).split()))
        rest = " ".join(words.replace(heading, " ").split())  # pages repeat it in an <h1>
        return f"{heading}: {rest}" if rest else heading
    return words
