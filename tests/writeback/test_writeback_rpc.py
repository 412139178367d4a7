"""An RPC-style write API (Datasette 1.0): writes are POSTs to action paths that answer
GET with 405, one row is read elsewhere. A full round trip, conflicts included, with and
without `[read_row]`; the server's SQLite file checked afterwards."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.round_trip import round_trip
from tests.support.srv_datasette import ROW_COUNT, Datasette
from tui.config import load_config
from tui.secrets import SecretStore
from tui.state import Identity, StateStore
from tui.workspace import Workspace

TOKEN_ENV = "WB_DATASETTE_TOKEN"
READ_ROW = """
[destinations.products.read_row]
path = "/products/{id}.json"
records = "rows"
"""


def config_text(server: Datasette, state: Path, read_row: bool) -> str:
    return f"""
[state]
path = "{state}"

[integrations.shop]
url = "{server.url}"
[integrations.shop.auth]
type = "bearer"
token = {{ env = "{TOKEN_ENV}" }}

[destinations.products]
integration = "shop"
path = "/products.json"
key = ["id"]
conflict_check = "reread"
[destinations.products.load]
records = "rows"
params = {{ _size = "100" }}
pagination = {{ type = "next_url", next_url_path = "next_url" }}
[destinations.products.insert]
method = "POST"
path = "/products/-/insert"
envelope = "row"
results = "rows"
[destinations.products.update]
method = "POST"
path = "/products/{{id}}/-/update"
envelope = "update"
[destinations.products.delete]
method = "POST"
path = "/products/{{id}}/-/delete"
[destinations.products.columns.id]
type = "integer"
read_only = true  # the server assigns it
""" + (READ_ROW if read_row else "")


async def workspace(tmp_path: Path, server: Datasette, read_row: bool) -> Workspace:
    path = tmp_path / "wb.toml"
    path.write_text(config_text(server, tmp_path / "state.db", read_row))
    config = load_config(path)
    state = StateStore(tmp_path / "state.db")
    ws = Workspace(config, "products", state, Identity("alice", "testhost", 1, None), SecretStore())
    await ws.load()
    return ws


def update_on_server(server: Datasette, product: object, values: dict[str, object]) -> None:
    response = httpx.post(
        f"{server.url}/products/{product}/-/update",
        json={"update": values},
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=10,
    )
    assert response.json() == {"ok": True}


@pytest.mark.parametrize("read_row", [True, False], ids=["read_row", "inferred-405"])
async def test_round_trip_on_an_rpc_style_write_api(
    tmp_path: Path, datasette: Datasette, monkeypatch: pytest.MonkeyPatch, read_row: bool
) -> None:
    monkeypatch.setenv(TOKEN_ENV, datasette.token)
    ws = await workspace(tmp_path, datasette, read_row)
    assert ws.table.loaded_count == ROW_COUNT  # three pages, linked by next_url

    def rows() -> dict[str, dict[str, object]]:
        return {str(product): row for product, row in datasette.rows().items()}

    def change(product: object, values: dict[str, object]) -> None:
        update_on_server(datasette, product, values)

    report = await round_trip(ws, rows, change, loaded=ROW_COUNT)
    if read_row:
        assert report.notes == []
    else:  # the guessed row path answers GET with 405: said once, the table re-read
        [note] = report.notes
        assert "answers 405" in note and "[destinations.products.read_row]" in note
    # the conflict is resolved by overwriting: written, the server's value replaced
    [conflict] = report.conflicts
    overwrite, skip = ws.resolve(report.conflicts, {conflict.row: "overwrite"})
    again = await ws.write_back(overwrite=overwrite, skip=skip)
    assert again.summary == "1 updated"
    assert datasette.rows()[conflict.key["id"]]["qty"] == 903
    ws.state.close()


async def test_theirs_after_a_write_are_read_from_read_row(
    tmp_path: Path, datasette: Datasette, monkeypatch: pytest.MonkeyPatch
) -> None:
    """after_write = "rows" reads each written row at [read_row], not the whole table."""
    monkeypatch.setenv(TOKEN_ENV, datasette.token)
    text = config_text(datasette, tmp_path / "state.db", True)
    text = text.replace(
        'conflict_check = "reread"\n', 'conflict_check = "reread"\nafter_write = "rows"\n'
    )
    (tmp_path / "wb.toml").write_text(text)
    ws = Workspace(
        load_config(tmp_path / "wb.toml"),
        "products",
        StateStore(tmp_path / "state.db"),
        Identity("alice", "testhost", 1, None),
        SecretStore(),
    )
    await ws.load()
    ws.table.edit(ws.table.find({"id": 7}), "name", "renamed")
    report = await ws.write_back()
    assert report.summary == "1 updated"
    assert report.after == "after writeback: reloaded 1 rows"
    assert ws.table.loaded_value(ws.table.find({"id": 7}), "name") == "renamed"
    ws.state.close()
