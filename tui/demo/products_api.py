"""Handlers for /api/v1/products and /api/v1/products/{id}."""

from __future__ import annotations

from typing import Any

from tui.demo import products as store
from tui.demo.db import read_tx, write_tx
from tui.demo.errors import invalid, not_found
from tui.demo.listing import list_response, parse_page
from tui.demo.patching import (
    apply_patch,
    check_body_etag,
    check_if_match,
    check_read_only,
    parse_patch,
)
from tui.demo.product_writes import create_one, existing
from tui.demo.products_batch import create_many
from tui.demo.validation import checked_product
from tui.demo.wire import Request, Response, empty, json_response

PATH = "/api/v1/products"


def product_id(raw: str) -> int:
    """The id from the URL; anything that is not a number names no product."""
    try:
        return int(raw)
    except ValueError:
        raise not_found(f"product {raw!r}") from None


def list_products(req: Request) -> Response:
    page = parse_page(req.query)
    with read_tx(req.db):
        result = store.select_page(req.db, req.query, page, as_json=True)
    return list_response(req, PATH, page, result)


def get_product(req: Request, raw_id: str) -> Response:
    current = existing(req.db, product_id(raw_id))
    return json_response(200, current, [("ETag", current["_etag"])])


def create_products(req: Request) -> Response:
    """One object: 201 + Location. An array: 207 with a status per item."""
    body = req.json()
    if isinstance(body, list):
        return create_many(req, body)
    with write_tx(req.db):
        created = create_one(req.db, body)
    location = f"{req.base_url}{PATH}/{created['id']}"
    return json_response(201, created, [("Location", location), ("ETag", created["_etag"])])


def _written(req: Request, product: dict[str, Any], status: int) -> Response:
    """A successful update: 204 + ETag as Qlik Cloud answers, or the row when asked."""
    headers = [("ETag", product["_etag"])]
    if status == 200 or "return=representation" in (req.headers.get("Prefer") or ""):
        return json_response(200, product, headers)
    return empty(204, headers)


def patch_product(req: Request, raw_id: str) -> Response:
    patch = parse_patch(req)
    pid = product_id(raw_id)
    with write_tx(req.db):
        current = existing(req.db, pid)
        check_if_match(req.headers.get("If-Match"), current["_etag"])
        if patch.merge is not None:
            check_body_etag(patch.merge, current["_etag"])
        doc = apply_patch(current, patch)
        check_read_only(current, doc, ("id", "_etag"))
        del doc["_etag"]
        product = store.update(req.db, checked_product(doc))
    return _written(req, product, 204)


def put_product(req: Request, raw_id: str) -> Response:
    body = req.json()
    if not isinstance(body, dict):
        raise invalid("a product is a JSON object")
    pid = product_id(raw_id)
    with write_tx(req.db):
        current = existing(req.db, pid)
        check_if_match(req.headers.get("If-Match"), current["_etag"])
        item = dict(body)
        check_body_etag(item, current["_etag"])
        check_read_only({"id": pid}, {"id": pid, **item}, ("id",))
        product = store.update(req.db, checked_product({**item, "id": pid}))
    return _written(req, product, 200)


def delete_product(req: Request, raw_id: str) -> Response:
    pid = product_id(raw_id)
    with write_tx(req.db):
        current = existing(req.db, pid)
        check_if_match(req.headers.get("If-Match"), current["_etag"])
        store.delete(req.db, pid)
    return empty(204)
