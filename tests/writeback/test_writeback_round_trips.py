"""The round trip (tests/support/round_trip.py) on REST servers of several styles, none
with ETags, so conflicts are found by re-reading rows:

- json-server 0.17: `_page`/`_limit` with an RFC 8288 `Link` header;
- json-server 1.x: `_page`/`_per_page` answered with `{data, next, pages}`, string ids;
- a Django REST Framework ModelViewSet: PageNumberPagination, trailing slashes, 201
  with the created object."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.round_trip import Rows, round_trip
from tests.support.srv_drf import DrfShop
from tests.support.srv_json_server import JsonServer
from tests.support.srv_json_server1 import ROW_COUNT, JsonServer1
from tui.config import load_config
from tui.secrets import SecretStore
from tui.state import Identity, StateStore
from tui.workspace import Workspace

JSON_SERVER_1 = """
[state]
path = "{state}"

[integrations.js1]
url = "{url}"

[destinations.items]
integration = "js1"
path = "/items"
key = ["id"]
conflict_check = "reread"
[destinations.items.load]
params = {{ _page = "1", _per_page = "100" }}  # without _page it sends every row
records = "data"
# the body's "next" is the next page's number, null on the last page
pagination = {{ type = "next_token", token_path = "next", token_param = "_page" }}
[destinations.items.columns.id]
read_only = true  # json-server makes it up
"""


async def run(
    tmp_path: Path,
    text: str,
    url: str,
    dest: str,
    rows: Rows,
    row_url: str,
    loaded: int = ROW_COUNT,
    extra: dict[str, object] | None = None,
) -> None:
    """Load `dest` from the server at `url`, then the round trip; `row_url` is where
    someone else writes one row ("{id}" for its id)."""
    path = tmp_path / "wb.toml"
    path.write_text(text.format(state=tmp_path / "state.db", url=url))
    with StateStore(tmp_path / "state.db") as state:
        ws = Workspace(
            load_config(path), dest, state, Identity("alice", "testhost", 1), SecretStore()
        )
        await ws.load()

        def change(product: object, values: dict[str, object]) -> None:
            httpx.patch(row_url.format(id=product), json=values, timeout=10).raise_for_status()

        await round_trip(ws, rows, change, loaded=loaded, extra=extra)


JSON_SERVER_0 = """
[state]
path = "{state}"

[integrations.js]
url = "{url}"

[destinations.items]
integration = "js"
path = "/items"
key = ["id"]
conflict_check = "reread"
[destinations.items.load]
params = {{ _page = "1", _limit = "100" }}
pagination = {{ type = "next_url", link_header = true }}
[destinations.items.columns.id]
type = "integer"
read_only = true
"""


async def test_round_trip_on_json_server_0_17(tmp_path: Path, json_server: JsonServer) -> None:
    def rows() -> dict[str, dict[str, object]]:
        found = httpx.get(f"{json_server.url}/items", timeout=10).json()
        return {str(row["id"]): row for row in found}

    url = json_server.url
    extra = {"region": "north", "price": 1.5}
    await run(
        tmp_path,
        JSON_SERVER_0,
        url,
        "items",
        rows,
        url + "/items/{id}",
        json_server.row_count,
        extra,
    )


async def test_round_trip_on_json_server_1(tmp_path: Path, json_server_1: JsonServer1) -> None:
    url = json_server_1.url
    await run(tmp_path, JSON_SERVER_1, url, "items", json_server_1.rows, url + "/items/{id}")


DRF = """
[state]
path = "{state}"

[integrations.shop]
url = "{url}"

[destinations.products]
integration = "shop"
path = "/products/"
key = ["id"]
conflict_check = "reread"
update = {{ method = "PATCH", path = "/products/{{id}}/" }}  # DRF's trailing slashes
delete = {{ path = "/products/{{id}}/" }}
[destinations.products.load]
records = "results"
pagination = {{ type = "next_url", next_url_path = "next" }}
[destinations.products.columns.id]
type = "integer"
read_only = true  # the database assigns it
"""


async def test_round_trip_on_django_rest_framework(tmp_path: Path, drf_shop: DrfShop) -> None:
    url = drf_shop.url
    await run(tmp_path, DRF, url, "products", drf_shop.rows, url + "/products/{id}/")
