"""json-server 1.x: `_page`/`_per_page` pagination answered with `{data, next, pages}`,
string ids it makes up itself, no ETags (so conflicts are found by re-reading rows)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.fixtures.round_trip import round_trip
from tests.fixtures.srv_json_server1 import ROW_COUNT, JsonServer1
from tui.config import load_config
from tui.secrets import SecretStore
from tui.state import Identity, StateStore
from tui.workspace import Workspace

CONFIG = """
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


async def test_round_trip_on_json_server_1(tmp_path: Path, json_server_1: JsonServer1) -> None:
    path = tmp_path / "wb.toml"
    path.write_text(CONFIG.format(state=tmp_path / "state.db", url=json_server_1.url))
    with StateStore(tmp_path / "state.db") as state:
        ws = Workspace(
            load_config(path), "items", state, Identity("alice", "testhost", 1), SecretStore()
        )
        await ws.load()

        def change(product: object, values: dict[str, object]) -> None:
            url = f"{json_server_1.url}/items/{product}"
            httpx.patch(url, json=values, timeout=10).raise_for_status()

        await round_trip(ws, json_server_1.rows, change, loaded=ROW_COUNT)
