"""Multi-row product writes answered with 207 Multi-Status, one status per item.

Each item stands alone: a refused item is reported and the others are applied.
The whole request is one transaction, so a batch costs one commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui.demo import products as store
from tui.demo.db import write_tx
from tui.demo.errors import ApiError, invalid
from tui.demo.product_writes import create_one, existing, update_one
from tui.demo.validation import is_int
from tui.demo.wire import Request, Response, json_response

MAX_ITEMS = 1000


def _items(body: Any, member: str | None) -> list[Any]:
    items = body
    if member is not None:  # an envelope such as {"products": [...]}
        items = body.get(member) if isinstance(body, dict) else None
    if not isinstance(items, list):
        shape = f'{{"{member}": [...]}}' if member else "a JSON array"
        raise invalid(f"the body must be {shape}", f"/{member}" if member else None)
    if len(items) > MAX_ITEMS:
        raise invalid(f"at most {MAX_ITEMS} items per request, got {len(items)}")
    return items


def _each(req: Request, items: list[Any], write: Callable[[Any], Any], ok: int) -> Response:
    results: list[dict[str, Any]] = []
    with write_tx(req.db):
        for index, entry in enumerate(items):
            key = entry.get("id") if isinstance(entry, dict) else entry
            try:
                done = write(entry)
            except ApiError as error:
                failed = {"status": error.status, "errors": error.errors, "index": index}
                results.append({"id": key, **failed} if key is not None else failed)
            else:
                results.append(
                    {"id": done if done is not None else key, "status": ok, "index": index}
                )
    return json_response(207, {"data": results})


def create_many(req: Request, body: list[Any]) -> Response:
    """POST /products with an array: 201 per created item."""
    return _each(req, _items(body, None), lambda e: create_one(req.db, e)["id"], 201)


def update_many(req: Request) -> Response:
    """POST /products/actions/update {"products": [{"id": .., <fields>}]}: 204 per item."""
    items = _items(req.json(), "products")
    return _each(req, items, lambda e: update_one(req.db, e)["id"], 204)


def delete_many(req: Request) -> Response:
    """POST /products/actions/delete {"ids": [...]}: 204 per item."""
    items = _items(req.json(), "ids")
    return _each(req, items, lambda pid: _delete(req, pid), 204)


def _delete(req: Request, pid: Any) -> int:
    if not is_int(pid):
        raise invalid(f"{pid!r} is not a product id")
    existing(req.db, int(pid))
    store.delete(req.db, int(pid))
    return int(pid)
