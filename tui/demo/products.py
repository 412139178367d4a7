"""The products resource: /api/v1/products, its batch actions and its CSV/XML exports.

Rows carry ten public columns and a version that feeds a strong ETag. Single-row
writes take If-Match; a batch is one transaction answered with 207 Multi-Status,
one status per item. The exports serve loaders that detect the response format.
"""

from __future__ import annotations

import csv
import io
import math
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from xml.sax.saxutils import escape

from tui.demo.store import read_tx, write_tx
from tui.demo.wire import (
    ApiError,
    Check,
    PageQuery,
    PageResult,
    Request,
    Response,
    Source,
    apply_patch,
    bad_parameter,
    check_body_etag,
    check_if_match,
    check_read_only,
    empty,
    field_errors,
    href,
    invalid,
    json_response,
    list_response,
    merge_patch,
    next_query,
    non_empty_text,
    not_found,
    parse_page,
    parse_patch,
    select_page,
)

PATH = "/api/v1/products"
CSV_PATH = "/api/v1/products.csv"
XML_PATH = "/api/v1/products.xml"

# Columns and their JSON representation

PRODUCT_COLUMNS: tuple[str, ...] = (
    "id",
    "sku",
    "name",
    "category",
    "region",
    "owner",
    "price",
    "qty",
    "active",
    "launch_date",
)
REGIONS: tuple[str, ...] = ("EMEA", "AMER", "APAC", "LATAM")

# The version column is kept beside the ten public columns; it feeds the ETag.
PRODUCT_READ = f"{', '.join(PRODUCT_COLUMNS)}, version"
PRODUCT_SELECT = f"SELECT {PRODUCT_READ} FROM products"

# The same representation as product_item, rendered by SQLite for fast lists.
_ACTIVE_JSON = "json(CASE WHEN active THEN 'true' ELSE 'false' END)"
PRODUCT_JSON = (
    "json_object("
    + ", ".join(f"'{c}', {_ACTIVE_JSON if c == 'active' else c}" for c in PRODUCT_COLUMNS)
    + """, '_etag', '"' || version || '"')"""
)


def etag(version: int) -> str:
    """A strong entity tag for a row version, quoted as HTTP requires."""
    return f'"{version}"'


def product_item(row: tuple[Any, ...]) -> dict[str, Any]:
    """A products row (PRODUCT_SELECT order) as its JSON representation."""
    item = dict(zip(PRODUCT_COLUMNS, row, strict=False))
    item["active"] = bool(item["active"])
    item["_etag"] = etag(row[-1])
    return item


def product_values(item: dict[str, Any]) -> tuple[Any, ...]:
    """The ten column values of a validated item, in PRODUCT_COLUMNS order."""
    return tuple(int(item[c]) if c == "active" else item[c] for c in PRODUCT_COLUMNS)


# Field rules, applied on every write; all problems are reported at once


def is_int(value: Any) -> bool:
    # JSON has one number type: 5.0 from a JavaScript client is still an integer.
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_id(value: Any) -> str | None:
    return None if is_int(value) and value >= 1 else "id must be a positive integer"


def _check_price(value: Any) -> str | None:
    if not _is_number(value):
        return "price must be a number"
    if value < 0:
        return "price must be >= 0"
    if abs(round(value, 2) - value) > 1e-9:
        return "price must have at most 2 decimal places"
    return None


def _check_qty(value: Any) -> str | None:
    if not is_int(value):
        return "qty must be an integer"
    return "qty must be >= 0" if value < 0 else None


def _check_region(value: Any) -> str | None:
    return None if value in REGIONS else f"region must be one of {', '.join(REGIONS)}"


def _check_active(value: Any) -> str | None:
    return None if isinstance(value, bool) else "active must be true or false"


def _check_date(value: Any) -> str | None:
    # fromisoformat alone also takes 20240101; the API promises YYYY-MM-DD.
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            date.fromisoformat(value)
            return None
        except ValueError:
            pass
    return "launch_date must be a date as YYYY-MM-DD"


PRODUCT_CHECKS: dict[str, Check] = {
    "id": _check_id,
    "sku": non_empty_text("sku"),
    "name": non_empty_text("name"),
    "category": non_empty_text("category"),
    "region": _check_region,
    "owner": non_empty_text("owner"),
    "price": _check_price,
    "qty": _check_qty,
    "active": _check_active,
    "launch_date": _check_date,
}


def checked_product(item: dict[str, Any]) -> dict[str, Any]:
    """A complete product with every rule met and numbers in their column types."""
    errors = field_errors(item, PRODUCT_CHECKS, PRODUCT_COLUMNS)
    if errors:
        raise ApiError(400, errors)
    return {**item, "id": int(item["id"]), "qty": int(item["qty"]), "price": float(item["price"])}


# SQL for the products table; callers own the transaction

# How a ?column=value filter's text becomes a value comparable with the column.
FILTER_TYPES = {"id": int, "price": float, "qty": int, "active": "bool"}
BOOL_WORDS = {"true": 1, "1": 1, "false": 0, "0": 0}

SOURCE = Source("products", PRODUCT_READ, product_item, PRODUCT_JSON)
_UPDATE = (
    f"UPDATE products SET {', '.join(f'{c} = ?' for c in PRODUCT_COLUMNS[1:])},"
    f" version = version + 1 WHERE id = ? RETURNING {PRODUCT_READ}"
)
_INSERT = (
    f"INSERT INTO products ({', '.join(PRODUCT_COLUMNS)}) VALUES ({', '.join('?' * len(PRODUCT_COLUMNS))})"
    f" RETURNING {PRODUCT_READ}"
)


def existing_product(db: sqlite3.Connection, pid: int) -> dict[str, Any]:
    row = db.execute(f"{PRODUCT_SELECT} WHERE id = ?", (pid,)).fetchone()
    if row is None:
        raise not_found(f"product {pid}")
    return product_item(row)


def _next_id(db: sqlite3.Connection) -> int:
    return db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM products").fetchone()[0]


def _insert(db: sqlite3.Connection, product: dict[str, Any]) -> dict[str, Any]:
    try:
        row = db.execute(_INSERT, product_values(product)).fetchone()
    except sqlite3.IntegrityError:
        raise ApiError(409, f"a product with id {product['id']} already exists") from None
    return product_item(row)


def _update(db: sqlite3.Connection, product: dict[str, Any]) -> dict[str, Any]:
    """Store every column of `product` and bump its version."""
    values = product_values(product)
    return product_item(db.execute(_UPDATE, (*values[1:], values[0])).fetchone())


def _delete(db: sqlite3.Connection, pid: int) -> None:
    db.execute("DELETE FROM products WHERE id = ?", (pid,))


def _filters(query: dict[str, str]) -> tuple[list[str], list[Any]]:
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


def select_products(
    db: sqlite3.Connection, query: dict[str, str], page: PageQuery, *, as_json: bool = False
) -> PageResult:
    """A page of products matching the column filters in `query`."""
    conditions, args = _filters(query)
    cursor = None if page.after is None else _cursor(page.after)
    return select_page(db, SOURCE, conditions, args, page, cursor, as_json=as_json)


def _cursor(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise bad_parameter(
            "startingAfter", f"startingAfter must be a product id, not {raw!r}"
        ) from None


# Write rules shared by single-row and batch endpoints; callers hold a write transaction

# What a created product gets for the members the client left out.
DEFAULTS: dict[str, Any] = {
    "category": "General",
    "region": "EMEA",
    "owner": "unassigned",
    "price": 0.0,
    "qty": 0,
    "active": True,
}


def _create_one(db: sqlite3.Connection, entry: Any) -> dict[str, Any]:
    """Insert a product; the server assigns the id and sku when they are missing."""
    if not isinstance(entry, dict):
        raise invalid("a product is a JSON object")
    # null means "not given" on create; _etag means nothing for a new row.
    given = {k: v for k, v in entry.items() if v is not None and k != "_etag"}
    if "id" not in given:
        given["id"] = _next_id(db)
    defaults = dict(DEFAULTS, launch_date=datetime.now(UTC).date().isoformat())
    if is_int(given["id"]):
        defaults["sku"] = f"PRD-{int(given['id']):05d}"
    return _insert(db, checked_product({**defaults, **given}))


def _update_one(db: sqlite3.Connection, entry: Any) -> dict[str, Any]:
    """Merge the members of a batch item ({"id": .., <fields>}) into its row."""
    if not isinstance(entry, dict):
        raise invalid("an update is a JSON object with an id")
    pid = entry.get("id")
    if not is_int(pid) or pid is None:
        raise invalid("id is required and must be an integer", "/id")
    current = existing_product(db, int(pid))
    changes = dict(entry)
    check_body_etag(changes, current["_etag"])
    doc = merge_patch(current, changes)
    del doc["_etag"]
    return _update(db, checked_product(doc))


def _delete_one(db: sqlite3.Connection, pid: Any) -> int:
    if not is_int(pid):
        raise invalid(f"{pid!r} is not a product id")
    existing_product(db, int(pid))
    _delete(db, int(pid))
    return int(pid)


# Handlers for /api/v1/products and /api/v1/products/{id}


def product_id(raw: str) -> int:
    """The id from the URL; anything that is not a number names no product."""
    try:
        return int(raw)
    except ValueError:
        raise not_found(f"product {raw!r}") from None


def list_products(req: Request) -> Response:
    page = parse_page(req.query)
    with read_tx(req.db):
        result = select_products(req.db, req.query, page, as_json=True)
    return list_response(req, PATH, page, result)


def get_product(req: Request, raw_id: str) -> Response:
    current = existing_product(req.db, product_id(raw_id))
    return json_response(200, current, [("ETag", current["_etag"])])


def create_products(req: Request) -> Response:
    """One object: 201 + Location. An array: 207 with a status per item."""
    body = req.json()
    if isinstance(body, list):
        return _each(req, _batch_items(body, None), lambda e: _create_one(req.db, e)["id"], 201)
    with write_tx(req.db):
        created = _create_one(req.db, body)
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
        current = existing_product(req.db, pid)
        check_if_match(req.headers.get("If-Match"), current["_etag"])
        if patch.merge is not None:
            check_body_etag(patch.merge, current["_etag"])
        doc = apply_patch(current, patch)
        check_read_only(current, doc, ("id", "_etag"))
        del doc["_etag"]
        product = _update(req.db, checked_product(doc))
    return _written(req, product, 204)


def put_product(req: Request, raw_id: str) -> Response:
    body = req.json()
    if not isinstance(body, dict):
        raise invalid("a product is a JSON object")
    pid = product_id(raw_id)
    with write_tx(req.db):
        current = existing_product(req.db, pid)
        check_if_match(req.headers.get("If-Match"), current["_etag"])
        item = dict(body)
        check_body_etag(item, current["_etag"])
        check_read_only({"id": pid}, {"id": pid, **item}, ("id",))
        product = _update(req.db, checked_product({**item, "id": pid}))
    return _written(req, product, 200)


def delete_product(req: Request, raw_id: str) -> Response:
    pid = product_id(raw_id)
    with write_tx(req.db):
        current = existing_product(req.db, pid)
        check_if_match(req.headers.get("If-Match"), current["_etag"])
        _delete(req.db, pid)
    return empty(204)


# Batch writes: a refused item is reported, the others applied, all in one transaction.

MAX_BATCH_ITEMS = 1000


def _batch_items(body: Any, member: str | None) -> list[Any]:
    items = body
    if member is not None:  # an envelope such as {"products": [...]}
        items = body.get(member) if isinstance(body, dict) else None
    if not isinstance(items, list):
        shape = f'{{"{member}": [...]}}' if member else "a JSON array"
        raise invalid(f"the body must be {shape}", f"/{member}" if member else None)
    if len(items) > MAX_BATCH_ITEMS:
        raise invalid(f"at most {MAX_BATCH_ITEMS} items per request, got {len(items)}")
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


def update_products(req: Request) -> Response:
    """POST /products/actions/update {"products": [{"id": .., <fields>}]}: 204 per item."""
    items = _batch_items(req.json(), "products")
    return _each(req, items, lambda e: _update_one(req.db, e)["id"], 204)


def delete_products(req: Request) -> Response:
    """POST /products/actions/delete {"ids": [...]}: 204 per item."""
    items = _batch_items(req.json(), "ids")
    return _each(req, items, lambda pid: _delete_one(req.db, pid), 204)


# CSV and XML exports: every (filtered) row, unless limit, offset or startingAfter page them.


def _export_page(req: Request) -> tuple[PageQuery, PageResult]:
    page = parse_page(req.query, default_limit=None, max_limit=None)
    with read_tx(req.db):
        return page, select_products(req.db, req.query, page)


def _export_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _export_response(
    req: Request, path: str, paging: tuple[PageQuery, PageResult], body: str, content_type: str
) -> Response:
    page, result = paging
    headers = [("Content-Type", content_type), ("X-Total-Count", str(result.total))]
    following = next_query(req, page, result)
    if following is not None:
        headers.append(("Link", f'<{href(req, path, following)}>; rel="next"'))
    return Response(200, body.encode(), headers)


def export_csv(req: Request) -> Response:
    paging = _export_page(req)
    result = paging[1]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PRODUCT_COLUMNS)
    writer.writerows([_export_text(item[c]) for c in PRODUCT_COLUMNS] for item in result.items)
    return _export_response(req, CSV_PATH, paging, out.getvalue(), "text/csv; charset=utf-8")


def export_xml(req: Request) -> Response:
    paging = _export_page(req)
    result = paging[1]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<products>']
    for item in result.items:
        fields = "".join(f"<{c}>{escape(_export_text(item[c]))}</{c}>" for c in PRODUCT_COLUMNS)
        parts.append(f"<product>{fields}</product>")
    parts.append("</products>\n")
    return _export_response(
        req, XML_PATH, paging, "\n".join(parts), "application/xml; charset=utf-8"
    )
