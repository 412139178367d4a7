"""Requests and responses as plain values, independent of the socket layer."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from tui.demo.errors import ApiError, error_body, error_item

JSON = "application/json"


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes
    base_url: str  # scheme://host[:port] as the client addressed us
    db: sqlite3.Connection

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body decoded as JSON; a missing or malformed body is a 400."""
        if not self.body:
            raise ApiError(400, [error_item(400, "request body is empty", title="Missing body")])
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise ApiError(
                400, [error_item(400, f"malformed JSON: {exc}", title="Malformed JSON")]
            ) from None


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(
    status: int, payload: Any, headers: list[tuple[str, str]] | None = None
) -> Response:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(status, body, [("Content-Type", JSON), *(headers or [])])


def empty(status: int, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, b"", headers or [])


def error_response(error: ApiError) -> Response:
    return json_response(error.status, error_body(error.errors), error.headers)
