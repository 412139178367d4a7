"""The dry run: the exact requests a writeback would send, secrets masked, and as curl.

Both the app's preview and `writeback push --dry-run` show requests through `dry_run`
(by way of the workspace's preview), so what one shows the other shows too.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tui.config.model import Destination, Integration, Method, Op
from tui.secrets import MASK, SecretRef, mask_headers
from tui.writeback.changes import RowChange
from tui.writeback.plan import PlannedRequest, plan

_AUTH_SHOWN = {"basic": "Basic", "digest": "Digest", "ntlm": "NTLM"}


@dataclass(frozen=True)
class ShownRequest:
    """One planned request as a dry run shows it; nothing in it is a secret."""

    op: Op
    method: Method
    url: str
    headers: dict[str, str]
    body: str | None  # as sent (decoded), not pretty-printed
    rows: int  # how many rows the request writes
    text: str  # method, URL, headers and the pretty body, one per line
    curl: str

    def as_dict(self) -> dict[str, Any]:
        """The request as one JSON line of `push --dry-run --format jsonl`."""
        return {
            "op": self.op,
            "method": self.method,
            "url": self.url,
            "headers": self.headers,
            "body": self.body,
            "rows": self.rows,
            "curl": self.curl,
        }


def dry_run(
    integration: Integration,
    dest: Destination,
    changes: Iterable[RowChange],
    unchanged: Iterable[RowChange] = (),
) -> list[ShownRequest]:
    """The requests a writeback of these rows would send, shown; PlanError if it cannot."""
    return [show(integration, planned) for planned in plan(dest, changes, unchanged)]


def show(integration: Integration, planned: PlannedRequest) -> ShownRequest:
    url = shown_url(integration, planned)
    headers = shown_headers(integration, planned)
    body = planned.body.decode("utf-8", "replace") if planned.body is not None else None
    return ShownRequest(
        planned.op,
        planned.method,
        url,
        headers,
        body,
        len(planned.rows),
        _text(planned.method, url, headers, planned.body),
        _curl(planned.method, url, headers, body),
    )


def shown_url(integration: Integration, planned: PlannedRequest) -> str:
    params = {**integration.params, **planned.params}
    url = integration.url.rstrip("/") + "/" + planned.path.lstrip("/")
    if not params:
        return url
    query = urlencode({k: MASK if isinstance(v, SecretRef) else v for k, v in params.items()})
    return url + ("&" if "?" in url else "?") + query


def shown_headers(integration: Integration, planned: PlannedRequest) -> dict[str, str]:
    merged = {**integration.headers, **planned.headers}
    headers = {k: MASK if isinstance(v, SecretRef) else str(v) for k, v in merged.items()}
    auth = integration.auth
    if auth.type == "bearer":
        headers[auth.header] = f"{auth.scheme} {MASK}".strip()
    elif auth.type in _AUTH_SHOWN:
        headers["Authorization"] = f"{_AUTH_SHOWN[auth.type]} {MASK}"
    return mask_headers(headers)


def _text(method: Method, url: str, headers: dict[str, str], body: bytes | None) -> str:
    lines = [f"{method} {url}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines += ["", _pretty(body)]
    return "\n".join(lines)


def _curl(method: Method, url: str, headers: dict[str, str], body: str | None) -> str:
    parts = ["curl", "-X", method, shlex.quote(url)]
    for name, value in headers.items():
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body is not None:
        parts += ["--data-binary", shlex.quote(body)]
    return " ".join(parts)


def _pretty(body: bytes) -> str:
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body.decode("utf-8", "replace")
