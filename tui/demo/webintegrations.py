"""/api/v1/web-integrations, shaped like Qlik Cloud's resource of that name.

Rows carry an array (validOrigins) and a nested object (links.self.href), so
loaders can be tested on flattening.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from tui.demo.store import DEMO_USER, TENANTS, random_id, read_tx, timestamp, write_tx
from tui.demo.wire import (
    ApiError,
    Check,
    Request,
    Response,
    Source,
    apply_patch,
    bad_parameter,
    check_read_only,
    empty,
    field_errors,
    invalid,
    json_response,
    list_response,
    non_empty_text,
    not_found,
    parse_page,
    parse_patch,
    select_page,
)

PATH = "/api/v1/web-integrations"
READ_ONLY = ("id", "tenantId", "created", "createdBy", "lastUpdated", "links")
WEB_INTEGRATION_READ = "id, name, valid_origins, tenant_id, created, created_by, last_updated"
WEB_INTEGRATION_SELECT = f"SELECT {WEB_INTEGRATION_READ} FROM web_integrations"
_ids = random.SystemRandom()


def _check_origins(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "validOrigins must be an array of strings"
    for origin in value:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            return f"{origin!r} is not an origin such as https://app.example.com"
    return None


WEB_INTEGRATION_CHECKS: dict[str, Check] = {
    "name": non_empty_text("name"),
    "validOrigins": _check_origins,
}


def checked_web_integration(item: dict[str, Any]) -> dict[str, Any]:
    errors = field_errors(item, WEB_INTEGRATION_CHECKS, ("name", "validOrigins"))
    if errors:
        raise ApiError(400, errors)
    return item


def _item(req: Request, row: tuple[Any, ...]) -> dict[str, Any]:
    wid, name, origins, tenant, created, created_by, updated = row
    return {
        "id": wid,
        "name": name,
        "validOrigins": json.loads(origins),
        "tenantId": tenant,
        "created": created,
        "createdBy": created_by,
        "lastUpdated": updated,
        "links": {"self": {"href": f"{req.base_url}{PATH}/{wid}"}},
    }


def _existing(req: Request, wid: str) -> dict[str, Any]:
    row = req.db.execute(f"{WEB_INTEGRATION_SELECT} WHERE id = ?", (wid,)).fetchone()
    if row is None:
        raise not_found(f"web integration {wid!r}")
    return _item(req, row)


def _now() -> str:
    return timestamp(datetime.now(UTC))


def list_web_integrations(req: Request) -> Response:
    if "sort" in req.query:
        raise bad_parameter("sort", "sorting is not supported here; rows come in id order")
    page = parse_page(req.query)
    conditions, args = [], []
    if "tenantId" in req.query:
        conditions.append("tenant_id = ?")
        args.append(req.query["tenantId"])
    with read_tx(req.db):
        # Items hold absolute links, so the row converter needs this request.
        source = Source("web_integrations", WEB_INTEGRATION_READ, lambda row: _item(req, row))
        result = select_page(req.db, source, conditions, args, page, page.after)
    return list_response(req, PATH, page, result)


def get_web_integration(req: Request, wid: str) -> Response:
    return json_response(200, _existing(req, wid))


def create_web_integration(req: Request) -> Response:
    body = req.json()
    if not isinstance(body, dict):
        raise invalid("a web integration is a JSON object")
    # Server-owned members sent back from a loaded row are ignored, not refused.
    given = {k: v for k, v in body.items() if k not in READ_ONLY}
    item = checked_web_integration({"validOrigins": [], **given})
    wid, now = random_id(_ids), _now()
    row = (wid, item["name"], json.dumps(item["validOrigins"]), TENANTS[0], now, DEMO_USER, now)
    with write_tx(req.db):
        _insert(req.db, row)
    created = _item(req, row)
    return json_response(201, created, [("Location", created["links"]["self"]["href"])])


def _insert(db: sqlite3.Connection, row: tuple[str, ...]) -> None:
    db.execute(
        "INSERT INTO web_integrations"
        " (id, name, valid_origins, tenant_id, created, created_by, last_updated)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        row,
    )


def patch_web_integration(req: Request, wid: str) -> Response:
    patch = parse_patch(req)
    with write_tx(req.db):
        current = _existing(req, wid)
        doc = apply_patch(current, patch)
        check_read_only(current, doc, READ_ONLY)
        item = checked_web_integration({k: v for k, v in doc.items() if k not in READ_ONLY})
        req.db.execute(
            "UPDATE web_integrations SET name = ?, valid_origins = ?, last_updated = ? WHERE id = ?",
            (item["name"], json.dumps(item["validOrigins"]), _now(), wid),
        )
    return empty(204)


def delete_web_integration(req: Request, wid: str) -> Response:
    with write_tx(req.db):
        _existing(req, wid)
        req.db.execute("DELETE FROM web_integrations WHERE id = ?", (wid,))
    return empty(204)
