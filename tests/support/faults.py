"""The faults the fault proxy (tests/support/fault_proxy.py) applies: what it does with
one request instead of (or after) forwarding it. Build them with the functions below."""

from __future__ import annotations

import email.utils
import http
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MB = 1024 * 1024


# -- faults ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """What the proxy does with one request; build it with the functions below."""

    kind: str
    forward: bool = True
    seconds: float = 0.0
    status: int | None = None
    body: bytes | None = None
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    after_bytes: int = 0
    megabytes: int = 0
    valid_json: bool = True
    content_length: bool = True


def delay(seconds: float, forward: bool = True) -> Fault:
    """Wait, then forward and answer normally (forward=False: then close, unanswered)."""
    return Fault("delay", forward=forward, seconds=seconds)


def hang() -> Fault:
    """Read the request and never answer; the upstream never sees it."""
    return Fault("hang", forward=False)


def hang_after_forward() -> Fault:
    """Forward (the upstream processes it), then never answer."""
    return Fault("hang_after_forward")


def status(
    code: int,
    body: bytes = b"",
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Fault:
    """Answer `code` with this body; not forwarded."""
    return Fault(
        "status",
        forward=False,
        status=code,
        body=body,
        content_type=content_type,
        headers=tuple((headers or {}).items()),
    )


def http_date(seconds_ahead: float) -> str:
    """A Retry-After date; it has whole seconds, so +2 s means a wait of 1 to 2 s."""
    return email.utils.format_datetime(
        datetime.now(UTC) + timedelta(seconds=seconds_ahead), usegmt=True
    )


def retry_after(code: int, value: str) -> Fault:
    """`code` with `Retry-After: value` (seconds or an HTTP date); not forwarded."""
    title = phrase(code)
    body = json.dumps({"errors": [{"title": title, "code": f"HTTP-{code}"}]}).encode()
    return Fault(
        "retry_after",
        forward=False,
        status=code,
        body=body,
        headers=(("Retry-After", value),),
    )


def html_error(code: int = 502, style: str = "nginx") -> Fault:
    """The error page a front server shows (style "nginx" or "iis"); not forwarded."""
    page = _IIS_PAGE if style == "iis" else _NGINX_PAGE
    text = page.format(code=code, phrase=phrase(code))
    return Fault(
        "html_error",
        forward=False,
        status=code,
        body=text.encode(),
        content_type="text/html; charset=utf-8",
        headers=(("Server", "Microsoft-IIS/10.0" if style == "iis" else "nginx/1.25.3"),),
    )


def reset(forward: bool = True, after_bytes: int = 0) -> Fault:
    """(Forward, then) send the first `after_bytes` of the real answer and abort with RST."""
    return Fault("reset", forward=forward, after_bytes=after_bytes)


def truncate(forward: bool = True) -> Fault:
    """Forward; send the real Content-Length but only half the body, then close."""
    return Fault("truncate", forward=forward)


def body(data: bytes, content_type: str = "application/json", forward: bool = True) -> Fault:
    """Answer the upstream's status (200 when not forwarded) with this body instead."""
    return Fault("body", forward=forward, body=data, content_type=content_type)


def big_body(megabytes: int = 50, valid_json: bool = True, content_length: bool = True) -> Fault:
    """Forward; answer 200 with a streamed body of that size and a correct Content-Length
    (content_length=False: none, the body ends when the connection closes): the
    upstream's records (same shape and columns) repeated, or cut off (valid_json=False)."""
    return Fault(
        "big_body", megabytes=megabytes, valid_json=valid_json, content_length=content_length
    )


def redirect(location: str, code: int = 307) -> Fault:
    """Answer a redirect to `location`; not forwarded."""
    return Fault("redirect", forward=False, status=code, headers=(("Location", location),))


_NGINX_PAGE = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_IIS_PAGE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\r\n'
    '<html xmlns="http://www.w3.org/1999/xhtml">\r\n<head>\r\n'
    '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>\r\n'
    "<title>{code} - {phrase}</title>\r\n"
    '<style type="text/css">\r\nbody{{margin:0;font-size:.7em;font-family:Verdana}}\r\n'
    '</style>\r\n</head>\r\n<body>\r\n<div id="header"><h1>Server Error</h1></div>\r\n'
    '<div id="content">\r\n<div class="content-container"><fieldset>\r\n'
    "<h2>{code} - {phrase}</h2>\r\n"
    "<h3>The server encountered an error while processing the request.</h3>\r\n"
    "</fieldset></div>\r\n</div>\r\n</body>\r\n</html>\r\n"
)


def phrase(code: int) -> str:
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"
