"""What every demo resource shares on the wire.

Requests and responses as plain values, Qlik Cloud style error bodies, reading
a request body, paged lists, JSON Patch / Merge Patch with If-Match, and field
checks that report every problem of a body at once.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Protocol
from urllib.parse import urlencode

JSON = "application/json"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"

# Errors

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


# Requests and responses


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
    body = {"errors": error.errors, "traceId": secrets.token_hex(16)}
    return json_response(error.status, body, error.headers)


# Request bodies: Content-Length or chunked transfer coding

MAX_BODY = 64 * 1024 * 1024
MAX_LINE = 65536


class BodyError(Exception):
    """The body cannot be read; after this the connection must be closed."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Reader(Protocol):
    """What the body reader needs of a request stream (a socket file)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def readline(self, size: int = -1, /) -> bytes: ...


def read_body(rfile: Reader, headers: Message, limit: int = MAX_BODY) -> bytes:
    # The whole body is read even when refused, so a keep-alive connection stays in step.
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        return _read_chunked(rfile, limit)
    raw = headers.get("Content-Length")
    if not raw:
        return b""
    try:
        length = int(raw)
    except ValueError:
        raise BodyError(400, f"Content-Length {raw!r} is not a number") from None
    if length < 0:
        raise BodyError(400, f"Content-Length {raw!r} is negative")
    if length > limit:
        raise BodyError(413, f"the body may be at most {limit} bytes")
    return rfile.read(length)


def _read_chunked(rfile: Reader, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        line = rfile.readline(MAX_LINE)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BodyError(400, "malformed chunked body") from None
        if size == 0:
            break
        total += size
        if total > limit:
            raise BodyError(413, f"the body may be at most {limit} bytes")
        parts.append(rfile.read(size))
        rfile.readline(MAX_LINE)  # the CRLF after each chunk
    # Trailer fields, if any, end with an empty line.
    while rfile.readline(MAX_LINE) not in (b"\r\n", b"\n", b""):
        pass
    return b"".join(parts)


# Paged lists: limit with startingAfter or offset; links.next.href, Link and X-Total-Count.

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(slots=True)
class PageQuery:
    """The paging asked for in a list request's query."""

    limit: int | None  # None: no limit (exports)
    offset: int | None  # set: offset paging; None: cursor paging
    after: str | None  # the startingAfter key, still as text


@dataclass(slots=True)
class PageResult:
    """One page of rows read for a list request."""

    items: list[Any]  # dicts, or JSON texts when read with as_json
    total: int
    has_more: bool
    last_key: Any = None
    as_json: bool = False


def int_param(query: dict[str, str], name: str, low: int, high: int | None = None) -> int | None:
    """An integer query parameter within [low, high], or None when absent."""
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f">= {low}"
        raise bad_parameter(name, f"{name} must be an integer {bounds}, not {raw!r}")
    return value


def parse_page(
    query: dict[str, str],
    *,
    default_limit: int | None = DEFAULT_LIMIT,
    max_limit: int | None = MAX_LIMIT,
) -> PageQuery:
    # Over the maximum is refused, not cut: a client stepping its offset by it would skip rows.
    limit = int_param(query, "limit", 1, max_limit)
    offset = int_param(query, "offset", 0)
    after = query.get("startingAfter") or None
    if offset is not None and after is not None:
        raise bad_parameter("startingAfter", "use either offset or startingAfter, not both")
    return PageQuery(default_limit if limit is None else limit, offset, after)


def where_sql(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


@dataclass(frozen=True, slots=True)
class Source:
    """A table to page through. `columns` and `json` both start with the id."""

    table: str
    columns: str
    convert: Callable[[tuple[Any, ...]], dict[str, Any]]
    json: str | None = None  # SQL rendering a row as a JSON text, after the id


def select_page(
    db: sqlite3.Connection,
    source: Source,
    conditions: list[str],
    args: list[Any],
    page: PageQuery,
    cursor: Any,
    *,
    as_json: bool = False,
) -> PageResult:
    """One page in id order, with the total of rows matching `conditions`.

    With `as_json` SQLite renders each row as JSON text, sparing a dict and its encoding per row.
    """
    where = where_sql(conditions)
    total = db.execute(f"SELECT COUNT(*) FROM {source.table}{where}", args).fetchone()[0]
    if cursor is not None:
        where = where_sql([*conditions, "id > ?"])
        args = [*args, cursor]
    columns = f"id, {source.json}" if as_json else source.columns
    limit = -1 if page.limit is None else page.limit + 1  # one extra row tells if more follow
    sql = f"SELECT {columns} FROM {source.table}{where} ORDER BY id LIMIT ? OFFSET ?"
    rows = db.execute(sql, (*args, limit, page.offset or 0)).fetchall()
    has_more = page.limit is not None and len(rows) > page.limit
    rows = rows[: page.limit]
    items = [row[1] for row in rows] if as_json else [source.convert(row) for row in rows]
    return PageResult(items, total, has_more, rows[-1][0] if rows else None, as_json)


def href(req: Request, path: str, query: dict[str, str]) -> str:
    return f"{req.base_url}{path}?{urlencode(query)}" if query else f"{req.base_url}{path}"


def next_query(req: Request, page: PageQuery, result: PageResult) -> dict[str, str] | None:
    """The query of the next page, keeping every other parameter as sent."""
    if not result.has_more or page.limit is None:
        return None
    if page.offset is not None:
        return {**req.query, "offset": str(page.offset + page.limit), "limit": str(page.limit)}
    return {**req.query, "limit": str(page.limit), "startingAfter": str(result.last_key)}


def list_response(req: Request, path: str, page: PageQuery, result: PageResult) -> Response:
    links: dict[str, Any] = {"self": {"href": href(req, path, req.query)}}
    headers = [("X-Total-Count", str(result.total))]
    following = next_query(req, page, result)
    if following is not None:
        links["next"] = {"href": href(req, path, following)}
        headers.append(("Link", f'<{links["next"]["href"]}>; rel="next"'))
    body: dict[str, Any] = {"data": None, "links": links}
    if page.offset is not None:
        body["meta"] = {"total": result.total}
    if not result.as_json:
        return json_response(200, {**body, "data": result.items}, headers)
    # Splice the rows SQLite already encoded into the encoded envelope.
    envelope = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    data = f'{{"data":[{",".join(result.items)}]'
    payload = (data + envelope[len('{"data":null') :]).encode()
    return Response(200, payload, [("Content-Type", JSON), *headers])


# Patches: JSON Patch (RFC 6902, top-level members), JSON Merge Patch (RFC 7396), If-Match

PATCH_OPS = ("add", "remove", "replace", "test")


@dataclass(slots=True)
class Patch:
    """Either a list of JSON Patch operations or a merge patch object."""

    ops: list[dict[str, Any]] | None = None
    merge: dict[str, Any] | None = None


def _invalid_patch(detail: str, pointer: str | None = None) -> ApiError:
    return ApiError(400, [error_item(400, detail, title="Invalid patch", pointer=pointer)])


def parse_patch(req: Request) -> Patch:
    """Read a PATCH body: an operation array, a {"patchData": [...]} envelope, or a merge object.

    Qlik Cloud sends JSON Patch arrays as plain application/json, so the body's
    shape decides; the content type only rules out the other kind.
    """
    if req.content_type not in ("", JSON, JSON_PATCH, MERGE_PATCH):
        raise ApiError(
            415, f"PATCH takes {JSON_PATCH}, {MERGE_PATCH} or {JSON}, not {req.content_type}"
        )
    body = req.json()
    if isinstance(body, dict) and "patchData" in body:
        if len(body) > 1:
            raise _invalid_patch("patchData must be the only member of the body")
        body = body["patchData"]
        if not isinstance(body, list):
            raise _invalid_patch("patchData must be an array of operations", "/patchData")
    if isinstance(body, list):
        if req.content_type == MERGE_PATCH:
            raise _invalid_patch("a merge patch is a JSON object")
        return Patch(ops=[_checked_op(op, i) for i, op in enumerate(body)])
    if isinstance(body, dict) and req.content_type != JSON_PATCH:
        return Patch(merge=body)
    raise _invalid_patch("the body must be a JSON Patch array or a JSON object")


def _checked_op(op: Any, index: int) -> dict[str, Any]:
    if not isinstance(op, dict):
        raise _invalid_patch("each operation must be an object", f"/{index}")
    if op.get("op") not in PATCH_OPS:
        detail = f"op must be one of {', '.join(PATCH_OPS)}, not {op.get('op')!r}"
        raise _invalid_patch(detail, f"/{index}/op")
    path = op.get("path")
    if not isinstance(path, str) or not path.startswith("/") or "/" in path[1:] or len(path) < 2:
        raise _invalid_patch(
            f"path must name a top-level member such as /price, not {path!r}", f"/{index}/path"
        )
    if op["op"] != "remove" and "value" not in op:
        raise _invalid_patch(f"{op['op']} needs a value", f"/{index}/value")
    return op


def _member(path: str) -> str:
    return path[1:].replace("~1", "/").replace("~0", "~")


def apply_patch(doc: dict[str, Any], patch: Patch) -> dict[str, Any]:
    """The patched copy of `doc`; a failed test is 409, a bad path 400."""
    if patch.merge is not None:
        return merge_patch(doc, patch.merge)
    result = dict(doc)
    for index, op in enumerate(patch.ops or []):
        name, kind = _member(op["path"]), op["op"]
        if kind != "add" and name not in result:
            raise _invalid_patch(f"{op['path']} does not exist", f"/{index}/path")
        if kind == "test" and not json_equal(result[name], op["value"]):
            detail = (
                f"test failed at {op['path']}: expected {op['value']!r}, found {result[name]!r}"
            )
            raise ApiError(409, [error_item(409, detail, title="Test failed", pointer=f"/{index}")])
        if kind == "remove":
            del result[name]
        elif kind in ("add", "replace"):
            result[name] = op["value"]
    return result


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge member by member, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_equal(a: Any, b: Any) -> bool:
    """Equality as RFC 6902 `test` defines it: 1 equals 1.0, but true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def check_if_match(header: str | None, current: str) -> None:
    """412 unless If-Match is absent, `*`, or lists the current (strong) ETag."""
    if header is None:
        return
    tags = [tag.strip() for tag in header.split(",")]
    if "*" not in tags and current not in tags:
        detail = f"If-Match {header} does not match the current ETag {current}"
        raise ApiError(412, [error_item(412, detail)])


def check_body_etag(item: dict[str, Any], current: str) -> None:
    """A `_etag` member sent back in a body is the row as the client read it."""
    sent = item.pop("_etag", None)
    if sent is not None and sent != current:
        detail = f"the row changed since it was read: _etag {sent} is now {current}"
        raise ApiError(412, [error_item(412, detail, pointer="/_etag")])


def check_read_only(before: dict[str, Any], after: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in before and not json_equal(after.get(name), before[name]):
            detail = f"{name} is read-only"
            raise ApiError(
                400, [error_item(400, detail, title="Read-only field", pointer=f"/{name}")]
            )


# Field checks, applied on every write

Check = Callable[[Any], str | None]


def non_empty_text(name: str) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return f"{name} must be a non-empty string"
        return None

    return check


def field_errors(
    item: dict[str, Any], checks: dict[str, Check], required: Iterable[str]
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
