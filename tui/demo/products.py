"""SQL for the products table. Callers own the transaction."""

from __future__ import annotations

import sqlite3
from typing import Any

from tui.demo import listing
from tui.demo.errors import ApiError, bad_parameter
from tui.demo.listing import Page, PageRequest
from tui.demo.model import (
    PRODUCT_COLUMNS,
    PRODUCT_JSON,
    PRODUCT_READ,
    PRODUCT_SELECT,
    product_item,
    product_values,
)

# How a ?column=value filter's text becomes a value comparable with the column.
FILTER_TYPES = {"id": int, "price": float, "qty": int, "active": "bool"}
BOOL_WORDS = {"true": 1, "1": 1, "false": 0, "0": 0}

SOURCE = listing.Source("products", PRODUCT_READ, product_item, PRODUCT_JSON)
_UPDATE = (
    f"UPDATE products SET {', '.join(f'{c} = ?' for c in PRODUCT_COLUMNS[1:])},"
    f" version = version + 1 WHERE id = ? RETURNING {PRODUCT_READ}"
)
_INSERT = (
    f"INSERT INTO products ({', '.join(PRODUCT_COLUMNS)}) VALUES ({', '.join('?' * len(PRODUCT_COLUMNS))})"
    f" RETURNING {PRODUCT_READ}"
)


def fetch(db: sqlite3.Connection, pid: int) -> dict[str, Any] | None:
    row = db.execute(f"{PRODUCT_SELECT} WHERE id = ?", (pid,)).fetchone()
    return product_item(row) if row else None


def next_id(db: sqlite3.Connection) -> int:
    return db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM products").fetchone()[0]


def insert(db: sqlite3.Connection, product: dict[str, Any]) -> dict[str, Any]:
    try:
        row = db.execute(_INSERT, product_values(product)).fetchone()
    except sqlite3.IntegrityError:
        raise ApiError(409, f"a product with id {product['id']} already exists") from None
    return product_item(row)


def update(db: sqlite3.Connection, product: dict[str, Any]) -> dict[str, Any]:
    """Store every column of `product` and bump its version."""
    values = product_values(product)
    return product_item(db.execute(_UPDATE, (*values[1:], values[0])).fetchone())


def delete(db: sqlite3.Connection, pid: int) -> None:
    db.execute("DELETE FROM products WHERE id = ?", (pid,))


def filters(query: dict[str, str]) -> tuple[list[str], list[Any]]:
    """Exact-match conditions for query parameters named after columns."""
    conditions, args = [], []
    for name in PRODUCT_COLUMNS:
        if name in query:
            conditions.append(f"{name} = ?")
            args.append(_filter_value(name, query[name]))
    return conditions, args


def _filter_value(name: str, raw: str) -> Any:
    kind = FILTER_TYPES.get(name, str)
    try:
        if kind == "bool":
            return BOOL_WORDS[raw.lower()]
        return kind(raw) if callable(kind) else raw
    except (KeyError, ValueError):
        raise bad_parameter(name, f"{raw!r} is not a valid {name}") from None


def select_page(
    db: sqlite3.Connection, query: dict[str, str], page: PageRequest, *, as_json: bool = False
) -> Page:
    """A page of products matching the column filters in `query`."""
    conditions, args = filters(query)
    cursor = None if page.after is None else _cursor(page.after)
    return listing.select_page(db, SOURCE, conditions, args, page, cursor, as_json=as_json)


def _cursor(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise bad_parameter(
            "startingAfter", f"startingAfter must be a product id, not {raw!r}"
        ) from None
