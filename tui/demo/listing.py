"""Paging of list endpoints: cursor (limit + startingAfter) or offset + limit.

Both styles answer with Qlik Cloud's `links.self/next.href`, an RFC 8288
`Link: <...>; rel="next"` header and `X-Total-Count`, so a loader can be tested
against whichever pagination setting it uses.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tui.demo.errors import bad_parameter
from tui.demo.wire import JSON, Request, Response, json_response

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(slots=True)
class PageRequest:
    limit: int | None  # None: no limit (exports)
    offset: int | None  # set: offset paging; None: cursor paging
    after: str | None  # the startingAfter key, still as text


@dataclass(slots=True)
class Page:
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
) -> PageRequest:
    # A limit over the maximum is refused rather than cut: a client stepping its
    # offset by the limit it asked for would silently skip rows.
    limit = int_param(query, "limit", 1, max_limit)
    offset = int_param(query, "offset", 0)
    after = query.get("startingAfter") or None
    if offset is not None and after is not None:
        raise bad_parameter("startingAfter", "use either offset or startingAfter, not both")
    return PageRequest(default_limit if limit is None else limit, offset, after)


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
    page: PageRequest,
    cursor: Any,
    *,
    as_json: bool = False,
) -> Page:
    """One page in id order, with the total of rows matching `conditions`.

    With `as_json` SQLite renders each row as JSON text: for 1,000-row pages
    that is several times faster than building dicts and encoding them here.
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
    return Page(items, total, has_more, rows[-1][0] if rows else None, as_json)


def href(req: Request, path: str, query: dict[str, str]) -> str:
    return f"{req.base_url}{path}?{urlencode(query)}" if query else f"{req.base_url}{path}"


def next_query(req: Request, page: PageRequest, result: Page) -> dict[str, str] | None:
    """The query of the next page, keeping every other parameter as sent."""
    if not result.has_more or page.limit is None:
        return None
    if page.offset is not None:
        return {**req.query, "offset": str(page.offset + page.limit), "limit": str(page.limit)}
    return {**req.query, "limit": str(page.limit), "startingAfter": str(result.last_key)}


def list_response(req: Request, path: str, page: PageRequest, result: Page) -> Response:
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
