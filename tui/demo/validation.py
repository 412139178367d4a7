"""Field rules applied on every write; all problems are reported at once."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from tui.demo.errors import ApiError, error_item
from tui.demo.model import PRODUCT_COLUMNS, REGIONS


def is_int(value: Any) -> bool:
    # JSON has one number type: 5.0 from a JavaScript client is still an integer.
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_id(value: Any) -> str | None:
    return None if is_int(value) and value >= 1 else "id must be a positive integer"


def _text(name: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return f"{name} must be a non-empty string"
        return None

    return check


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


PRODUCT_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "id": _check_id,
    "sku": _text("sku"),
    "name": _text("name"),
    "category": _text("category"),
    "region": _check_region,
    "owner": _text("owner"),
    "price": _check_price,
    "qty": _check_qty,
    "active": _check_active,
    "launch_date": _check_date,
}


def field_errors(
    item: dict[str, Any],
    checks: dict[str, Callable[[Any], str | None]],
    required: Iterable[str],
) -> list[dict[str, Any]]:
    """Unknown, missing and invalid members of `item`, as error entries."""
    errors = [
        error_item(400, f"unknown field {key!r}", title="Unknown field", pointer=f"/{key}")
        for key in item
        if key not in checks
    ]
    for key in required:
        if item.get(key) is None:
            errors.append(
                error_item(400, f"{key} is required", title="Missing value", pointer=f"/{key}")
            )
    for key, check in checks.items():
        if item.get(key) is not None and (problem := check(item[key])):
            errors.append(error_item(400, problem, title="Invalid value", pointer=f"/{key}"))
    return errors


def checked_product(item: dict[str, Any]) -> dict[str, Any]:
    """A complete product with every rule met and numbers in their column types."""
    errors = field_errors(item, PRODUCT_CHECKS, PRODUCT_COLUMNS)
    if errors:
        raise ApiError(400, errors)
    return {**item, "id": int(item["id"]), "qty": int(item["qty"]), "price": float(item["price"])}


def _check_origins(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "validOrigins must be an array of strings"
    for origin in value:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            return f"{origin!r} is not an origin such as https://app.example.com"
    return None


WEB_INTEGRATION_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "name": _text("name"),
    "validOrigins": _check_origins,
}


def checked_web_integration(item: dict[str, Any]) -> dict[str, Any]:
    errors = field_errors(item, WEB_INTEGRATION_CHECKS, ("name", "validOrigins"))
    if errors:
        raise ApiError(400, errors)
    return item
