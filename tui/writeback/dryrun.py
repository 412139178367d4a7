"""The dry run: the exact requests a writeback would send, secrets masked, and as curl."""

from __future__ import annotations

import json
import shlex
from typing import Any
from urllib.parse import urlencode

from tui.config.model import Integration
from tui.secrets import MASK, SecretRef, mask_headers
from tui.writeback.plan import PlannedRequest

_AUTH_SHOWN = {"basic": "Basic", "digest": "Digest", "ntlm": "NTLM"}


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


def as_dict(integration: Integration, planned: PlannedRequest) -> dict[str, Any]:
    body = planned.body.decode("utf-8", "replace") if planned.body is not None else None
    return {
        "op": planned.op,
        "method": planned.method,
        "url": shown_url(integration, planned),
        "headers": shown_headers(integration, planned),
        "body": body,
        "rows": len(planned.rows),
        "curl": as_curl(integration, planned),
    }


def as_text(integration: Integration, planned: PlannedRequest) -> str:
    lines = [f"{planned.method} {shown_url(integration, planned)}"]
    lines += [f"{k}: {v}" for k, v in shown_headers(integration, planned).items()]
    if planned.body is not None:
        lines += ["", _pretty(planned.body)]
    return "\n".join(lines)


def as_curl(integration: Integration, planned: PlannedRequest) -> str:
    parts = ["curl", "-X", planned.method, shlex.quote(shown_url(integration, planned))]
    for name, value in shown_headers(integration, planned).items():
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if planned.body is not None:
        parts += ["--data-binary", shlex.quote(planned.body.decode("utf-8", "replace"))]
    return " ".join(parts)


def _pretty(body: bytes) -> str:
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body.decode("utf-8", "replace")
