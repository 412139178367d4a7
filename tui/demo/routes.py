"""The route table: path pattern -> {method: handler}."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from tui.demo import exports, products_api, products_batch, webintegrations
from tui.demo.wire import Request, Response, json_response

Handler = Callable[..., Response]
API = "/api/v1"


def health(req: Request) -> Response:
    return json_response(200, {"status": "ok"})


# Fixed paths come before the {id} patterns that would also match them.
ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (re.compile(r"/health"), {"GET": health}),
    (
        re.compile(rf"{API}/products"),
        {"GET": products_api.list_products, "POST": products_api.create_products},
    ),
    (re.compile(rf"{API}/products\.csv"), {"GET": exports.export_csv}),
    (re.compile(rf"{API}/products\.xml"), {"GET": exports.export_xml}),
    (re.compile(rf"{API}/products/actions/update"), {"POST": products_batch.update_many}),
    (re.compile(rf"{API}/products/actions/delete"), {"POST": products_batch.delete_many}),
    (
        re.compile(rf"{API}/products/([^/]+)"),
        {
            "GET": products_api.get_product,
            "PATCH": products_api.patch_product,
            "PUT": products_api.put_product,
            "DELETE": products_api.delete_product,
        },
    ),
    (
        re.compile(rf"{API}/web-integrations"),
        {
            "GET": webintegrations.list_web_integrations,
            "POST": webintegrations.create_web_integration,
        },
    ),
    (
        re.compile(rf"{API}/web-integrations/([^/]+)"),
        {
            "GET": webintegrations.get_web_integration,
            "PATCH": webintegrations.patch_web_integration,
            "DELETE": webintegrations.delete_web_integration,
        },
    ),
]


def resolve(path: str) -> tuple[dict[str, Handler], list[str]] | None:
    """The handlers for `path` and its decoded path parameters, or None."""
    if len(path) > 1:
        path = path.rstrip("/")
    for pattern, methods in ROUTES:
        match = pattern.fullmatch(path)
        if match:
            return methods, [unquote(group) for group in match.groups()]
    return None


def allowed(methods: dict[str, Handler]) -> str:
    """The Allow header: HEAD goes with GET, OPTIONS with everything."""
    names = set(methods) | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
    return ", ".join(sorted(names))
