"""The writeback engine against httpbin /anything: every payload style, byte for byte as it
went over the wire (JSON, form, params, JSON Patch, merge patch, envelopes, arrays in
pages, GET per row)."""

from __future__ import annotations

from typing import Any

from tests.support.writeback_run import Wire, configure, insert, run, update
from tui.writeback.changes import RowChange

HTTPBIN = """
[integrations.bin]
url = "{url}"
retries = 0
[destinations.d]
integration = "bin"
path = "/anything/things"
key = ["id"]
conflict_check = "etag"
{extra}
"""


ROW = {"id": 5, "name": "n", "qty": 1, "active": False, "note": "x"}


def echoed(httpbin_url: str, extra: str, changes: list[RowChange]) -> list[dict[str, Any]]:
    integration, dest = configure(HTTPBIN.format(url=httpbin_url, extra=extra))
    wire = Wire()
    results = run(integration, dest, changes, wire)
    assert {r.status for r in results} == {"done"}, [r.message for r in results]
    return wire.answers


def test_httpbin_json(httpbin_url: str) -> None:
    [echo] = echoed(httpbin_url, "", [update(ROW, '"v5"', qty=9, note="Zürich")])
    assert (echo["method"], echo["url"]) == ("PATCH", f"{httpbin_url}/anything/things/5")
    assert echo["data"].encode() == '{"qty":9,"note":"Zürich"}'.encode()
    assert echo["headers"]["Content-Type"] == "application/json"
    assert echo["headers"]["If-Match"] == '"v5"'
    assert echo["args"] == {} and echo["form"] == {}


def test_httpbin_insert_and_delete(httpbin_url: str) -> None:
    changes = [insert(-1, name="a", qty=2), RowChange(5, "delete", {"id": 5}, ROW, etag='"v"')]
    posted, deleted = echoed(httpbin_url, "", changes)
    assert (posted["method"], posted["url"]) == ("POST", f"{httpbin_url}/anything/things")
    assert posted["data"] == '{"name":"a","qty":2}'
    assert (deleted["method"], deleted["url"]) == ("DELETE", f"{httpbin_url}/anything/things/5")
    assert deleted["data"] == "" and "Content-Type" not in deleted["headers"]


def test_httpbin_read_row_sends_its_params_and_headers(httpbin_url: str) -> None:
    """A conflict re-read at [read_row]: its path filled, its params and headers sent."""
    extra = (
        "[destinations.d.read_row]\n"
        'path = "/anything/rows/{id}"\n'
        'params = { fields = "qty,name", v = "2" }\n'
        'headers = { X-Read = "one row" }\n'
    )
    text = HTTPBIN.format(url=httpbin_url, extra=extra)
    integration, dest = configure(text.replace('"etag"', '"reread"'))
    wire = Wire()
    [result] = run(integration, dest, [update(ROW, qty=9)], wire)
    assert result.status == "conflict"  # the echo holds no qty: not the row as loaded
    [echo] = wire.answers
    assert echo["method"] == "GET"
    assert echo["url"].startswith(f"{httpbin_url}/anything/rows/5?")
    assert echo["args"] == {"fields": "qty,name", "v": "2"}
    assert echo["headers"]["X-Read"] == "one row"
    assert echo["headers"]["Accept"] == "application/json"
    assert wire.count("PATCH") == 0


FORM_BYTES = "id=5&qty=9&active=true&note=a+b%26c%3D%C3%BC"


def test_httpbin_form(httpbin_url: str) -> None:
    change = update(ROW, '"v"', qty=9, active=True, note="a b&c=ü")
    [echo] = echoed(httpbin_url, 'payload = "form"', [change])
    assert echo["form"] == {"id": "5", "qty": "9", "active": "true", "note": "a b&c=ü"}
    assert echo["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert echo["headers"]["Content-Length"] == str(len(FORM_BYTES))
    # The same body sent as text, so httpbin echoes the raw bytes.
    raw = 'payload = "form"\nheaders = { "Content-Type" = "text/plain" }'
    [echo] = echoed(httpbin_url, raw, [change])
    assert echo["data"] == FORM_BYTES


def test_httpbin_params(httpbin_url: str) -> None:
    [echo] = echoed(httpbin_url, 'payload = "params"', [update(ROW, '"v"', qty=9, note="a&b")])
    assert echo["method"] == "PATCH"
    assert echo["url"] == f"{httpbin_url}/anything/things/5?id=5&qty=9&note=a%26b"
    assert echo["args"] == {"id": "5", "qty": "9", "note": "a&b"}
    assert echo["data"] == "" and "Content-Type" not in echo["headers"]


def test_httpbin_json_patch(httpbin_url: str) -> None:
    change = update(ROW, '"v"', **{"qty": 9, "meta.colour": "red", "a/b": None})
    [echo] = echoed(httpbin_url, 'payload = "json-patch"', [change])
    assert echo["headers"]["Content-Type"] == "application/json-patch+json"
    assert echo["data"] == (
        '[{"op":"replace","path":"/qty","value":9},'
        '{"op":"replace","path":"/meta/colour","value":"red"},'
        '{"op":"replace","path":"/a~1b","value":null}]'
    )


def test_httpbin_merge_patch(httpbin_url: str) -> None:
    change = update(ROW, '"v"', **{"meta.colour": None, "qty": 3})
    [echo] = echoed(httpbin_url, 'payload = "merge-patch"', [change])
    assert echo["headers"]["Content-Type"] == "application/merge-patch+json"
    assert echo["data"] == '{"meta":{"colour":null},"qty":3}'


def test_httpbin_envelope(httpbin_url: str) -> None:
    extra = 'payload = "json-patch"\nenvelope = "patchData"'
    [echo] = echoed(httpbin_url, extra, [update(ROW, '"v"', name="n2")])
    assert echo["data"] == '{"patchData":[{"op":"replace","path":"/name","value":"n2"}]}'


def test_httpbin_array_in_pages(httpbin_url: str) -> None:
    extra = (
        'insert = { method = "POST", path = "/anything/things/batch", envelope = "things",'
        " array = true, page_size = 2 }"
    )
    changes = [insert(f"r{i}", name=f"row {i}", qty=i) for i in range(5)]
    echoes = echoed(httpbin_url, extra, changes)
    # Pages go concurrently: order the echoes by their first row.
    bodies = sorted(e["data"] for e in echoes)
    assert bodies == [
        '{"things":[{"name":"row 0","qty":0},{"name":"row 1","qty":1}]}',
        '{"things":[{"name":"row 2","qty":2},{"name":"row 3","qty":3}]}',
        '{"things":[{"name":"row 4","qty":4}]}',
    ]
    assert {e["url"] for e in echoes} == {f"{httpbin_url}/anything/things/batch"}


def test_httpbin_get_one_request_per_row(httpbin_url: str) -> None:
    extra = 'method = "GET"\nupdate = { path = "/anything/set" }'
    rows = [{**ROW, "id": 1}, {**ROW, "id": 2}]
    changes = [update(rows[0], '"a"', qty=2, active=True), update(rows[1], '"b"', note="é ü")]
    integration, dest = configure(HTTPBIN.format(url=httpbin_url, extra=extra))
    wire = Wire()
    assert {r.status for r in run(integration, dest, changes, wire)} == {"done"}
    assert sorted(wire.sent) == [
        ("GET", f"{httpbin_url}/anything/set?id=1&qty=2&active=true"),
        ("GET", f"{httpbin_url}/anything/set?id=2&note=%C3%A9+%C3%BC"),
    ]
    args = sorted((e["args"] for e in wire.answers), key=lambda a: a["id"])
    assert args == [{"id": "1", "qty": "2", "active": "true"}, {"id": "2", "note": "é ü"}]
    assert [e["method"] for e in wire.answers] == ["GET", "GET"]
    assert all(e["data"] == "" for e in wire.answers)
