"""The shape of the demo resources: column names and row <-> JSON conversion."""

from __future__ import annotations

from typing import Any

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

WEB_INTEGRATION_READ = "id, name, valid_origins, tenant_id, created, created_by, last_updated"
WEB_INTEGRATION_SELECT = f"SELECT {WEB_INTEGRATION_READ} FROM web_integrations"


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
