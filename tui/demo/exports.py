"""Products as CSV and XML, for loaders that detect the response format.

Without `limit` an export holds every (filtered) row; limit, offset and
startingAfter page it like the JSON list.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from xml.sax.saxutils import escape

from tui.demo import products as store
from tui.demo.db import read_tx
from tui.demo.listing import Page, PageRequest, href, next_query, parse_page
from tui.demo.model import PRODUCT_COLUMNS
from tui.demo.wire import Request, Response

CSV_PATH = "/api/v1/products.csv"
XML_PATH = "/api/v1/products.xml"


def _page(req: Request) -> tuple[PageRequest, Page]:
    page = parse_page(req.query, default_limit=None, max_limit=None)
    with read_tx(req.db):
        return page, store.select_page(req.db, req.query, page)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _response(
    req: Request, path: str, paging: tuple[PageRequest, Page], body: str, content_type: str
) -> Response:
    page, result = paging
    headers = [("Content-Type", content_type), ("X-Total-Count", str(result.total))]
    following = next_query(req, page, result)
    if following is not None:
        headers.append(("Link", f'<{href(req, path, following)}>; rel="next"'))
    return Response(200, body.encode(), headers)


def export_csv(req: Request) -> Response:
    paging = _page(req)
    result = paging[1]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PRODUCT_COLUMNS)
    writer.writerows([_text(item[c]) for c in PRODUCT_COLUMNS] for item in result.items)
    return _response(req, CSV_PATH, paging, out.getvalue(), "text/csv; charset=utf-8")


def export_xml(req: Request) -> Response:
    paging = _page(req)
    result = paging[1]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<products>']
    for item in result.items:
        fields = "".join(f"<{c}>{escape(_text(item[c]))}</{c}>" for c in PRODUCT_COLUMNS)
        parts.append(f"<product>{fields}</product>")
    parts.append("</products>\n")
    return _response(req, XML_PATH, paging, "\n".join(parts), "application/xml; charset=utf-8")
