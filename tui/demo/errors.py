"""Qlik Cloud style error bodies: {"errors": [...], "traceId": "..."}."""

from __future__ import annotations

import secrets
from typing import Any

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal server error",
    501: "Not implemented",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


def error_item(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    pointer: str | None = None,
    parameter: str | None = None,
) -> dict[str, Any]:
    """One entry of an `errors` array; `pointer` names the offending body member."""
    item: dict[str, Any] = {
        "code": f"HTTP-{status}",
        "title": title or TITLES.get(status, "Error"),
        "detail": detail,
        "status": str(status),
    }
    if pointer is not None:
        item["source"] = {"pointer": pointer}
    elif parameter is not None:
        item["source"] = {"parameter": parameter}
    return item


def error_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"errors": errors, "traceId": secrets.token_hex(16)}


class ApiError(Exception):
    """Raised anywhere in a handler; becomes an error response."""

    def __init__(
        self,
        status: int,
        errors: list[dict[str, Any]] | str,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        if isinstance(errors, str):
            errors = [error_item(status, errors)]
        super().__init__(errors[0]["detail"] if errors else str(status))
        self.status = status
        self.errors = errors
        self.headers = headers or []


def invalid(detail: str, pointer: str | None = None, *, title: str = "Invalid value") -> ApiError:
    return ApiError(400, [error_item(400, detail, title=title, pointer=pointer)])


def bad_parameter(name: str, detail: str) -> ApiError:
    return ApiError(400, [error_item(400, detail, title="Invalid parameter", parameter=name)])


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")
