"""A Django REST Framework ModelViewSet: PageNumberPagination, PATCH, DELETE, 201 with
the created object; no ETags, so conflicts are found by re-reading rows."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.fixtures.round_trip import round_trip
from tests.fixtures.srv_drf import ROW_COUNT, DrfShop
from tui.config import load_config
from tui.secrets import SecretStore
from tui.state import Identity, StateStore
from tui.workspace import Workspace

CONFIG = """
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
    path = tmp_path / "wb.toml"
    path.write_text(CONFIG.format(state=tmp_path / "state.db", url=drf_shop.url))
    with StateStore(tmp_path / "state.db") as state:
        ws = Workspace(
            load_config(path), "products", state, Identity("alice", "testhost", 1), SecretStore()
        )
        await ws.load()

        def change(product: object, values: dict[str, object]) -> None:
            url = f"{drf_shop.url}/products/{product}/"
            httpx.patch(url, json=values, timeout=10).raise_for_status()

        await round_trip(ws, drf_shop.rows, change, loaded=ROW_COUNT)
