"""Write rules shared by the single-row and the batch product endpoints.

Callers hold a write transaction; every function raises ApiError on refusal.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from tui.demo import products as store
from tui.demo.errors import invalid, not_found
from tui.demo.patching import check_body_etag, merge_patch
from tui.demo.validation import checked_product, is_int

# What a created product gets for the members the client left out.
DEFAULTS: dict[str, Any] = {
    "category": "General",
    "region": "EMEA",
    "owner": "unassigned",
    "price": 0.0,
    "qty": 0,
    "active": True,
}


def existing(db: sqlite3.Connection, pid: int) -> dict[str, Any]:
    current = store.fetch(db, pid)
    if current is None:
        raise not_found(f"product {pid}")
    return current


def create_one(db: sqlite3.Connection, entry: Any) -> dict[str, Any]:
    """Insert a product; the server assigns the id and sku when they are missing."""
    if not isinstance(entry, dict):
        raise invalid("a product is a JSON object")
    # null means "not given" on create; _etag means nothing for a new row.
    given = {k: v for k, v in entry.items() if v is not None and k != "_etag"}
    if "id" not in given:
        given["id"] = store.next_id(db)
    defaults = dict(DEFAULTS, launch_date=datetime.now(UTC).date().isoformat())
    if is_int(given["id"]):
        defaults["sku"] = f"PRD-{int(given['id']):05d}"
    return store.insert(db, checked_product({**defaults, **given}))


def update_one(db: sqlite3.Connection, entry: Any) -> dict[str, Any]:
    """Merge the members of a batch item ({"id": .., <fields>}) into its row."""
    if not isinstance(entry, dict):
        raise invalid("an update is a JSON object with an id")
    pid = entry.get("id")
    if not is_int(pid) or pid is None:
        raise invalid("id is required and must be an integer", "/id")
    current = existing(db, int(pid))
    changes = dict(entry)
    check_body_etag(changes, current["_etag"])
    doc = merge_patch(current, changes)
    del doc["_etag"]
    return store.update(db, checked_product(doc))
