"""Planning: a change set and a destination become the exact requests to send."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from tests.support.config_texts import MINIMAL_DESTINATION as BASE
from tui.config import parse_config
from tui.writeback.changes import RowChange
from tui.writeback.plan import PlanError, fill_path, nest, plan


def dest(extra: str = "", base: str = BASE):
    return parse_config(base + extra).destinations["d"]


def update(row_id, changed, values=None, etag=None, was=None):
    values = {"id": row_id, "name": "n", "qty": 1, **(values or {}), **changed}
    return RowChange(row_id, "update", {"id": row_id}, values, changed, was or {}, etag)


def insert(row_id, values):
    return RowChange(row_id, "insert", {}, values, dict(values))


def delete(row_id):
    return RowChange(row_id, "delete", {"id": row_id}, {"id": row_id, "name": "x"})


def test_default_json_per_row_changed_cells_only() -> None:
    [req] = plan(dest(), [update(7, {"qty": 70})])
    assert (req.method, req.path) == ("PATCH", "/things/7")
    assert json.loads(req.body) == {"qty": 70}
    assert req.headers["Content-Type"] == "application/json"
    assert req.rows == (7,)


def test_order_insert_update_delete_and_methods() -> None:
    reqs = plan(dest(), [delete(9), update(7, {"qty": 2}), insert(-1, {"name": "a"})])
    assert [(r.op, r.method, r.path) for r in reqs] == [
        ("insert", "POST", "/things"),
        ("update", "PATCH", "/things/7"),
        ("delete", "DELETE", "/things/9"),
    ]
    assert reqs[2].body is None


def test_json_patch_replace_per_cell_with_pointer_escaping() -> None:
    d = dest('payload = "json-patch"\n')
    [req] = plan(d, [update(1, {"a/b": 1, "links.self.href": "x"})])
    assert req.headers["Content-Type"] == "application/json-patch+json"
    assert json.loads(req.body) == [
        {"op": "replace", "path": "/a~1b", "value": 1},
        {"op": "replace", "path": "/links/self/href", "value": "x"},
    ]


def test_patchdata_envelope() -> None:
    d = dest('payload = "json-patch"\nenvelope = "patchData"\n')
    [req] = plan(d, [update(1, {"qName": "n2"})])
    assert json.loads(req.body) == {
        "patchData": [{"op": "replace", "path": "/qName", "value": "n2"}]
    }


def test_merge_patch_and_nesting() -> None:
    d = dest('payload = "merge-patch"\n')
    [req] = plan(d, [update(1, {"meta.colour": None, "qty": 3})])
    assert req.headers["Content-Type"] == "application/merge-patch+json"
    assert json.loads(req.body) == {"meta": {"colour": None}, "qty": 3}


def test_form_payload_includes_key() -> None:
    d = dest('payload = "form"\n')
    [req] = plan(d, [update(5, {"qty": 9, "active": True})])
    assert parse_qs(req.body.decode()) == {"id": ["5"], "qty": ["9"], "active": ["true"]}


def test_get_sends_one_request_per_row_as_params() -> None:
    d = dest('method = "GET"\nupdate = { path = "/set" }\n')
    reqs = plan(d, [update(1, {"qty": 2}), update(2, {"qty": 3})])
    assert [(r.method, r.path, r.params, r.body) for r in reqs] == [
        ("GET", "/set", {"id": "1", "qty": "2"}, None),
        ("GET", "/set", {"id": "2", "qty": "3"}, None),
    ]


def test_batch_pages_and_same_shape_groups() -> None:
    d = dest(
        'update = { method = "POST", path = "/things/actions/update", envelope = "things",'
        " array = true, page_size = 2 }\n"
    )
    rows = [update(i, {"qty": i}) for i in range(1, 6)] + [update(9, {"name": "z"})]
    reqs = plan(d, rows)
    bodies = [json.loads(r.body)["things"] for r in reqs]
    assert bodies == [
        [{"id": 1, "qty": 1}, {"id": 2, "qty": 2}],
        [{"id": 3, "qty": 3}, {"id": 4, "qty": 4}],
        [{"id": 5, "qty": 5}],
        [{"id": 9, "name": "z"}],
    ]
    assert [r.rows for r in reqs] == [(1, 2), (3, 4), (5,), (9,)]
    assert reqs[0].keys == ({"id": 1}, {"id": 2})


def test_put_and_send_all_send_whole_rows() -> None:
    d = dest('send = "all"\nupdate = { method = "PUT" }\n')
    unchanged = [update(3, {}, values={"qty": 5})]
    reqs = plan(d, [update(1, {"qty": 2})], unchanged=unchanged)
    assert [json.loads(r.body) for r in reqs] == [
        {"id": 1, "name": "n", "qty": 2},
        {"id": 3, "name": "n", "qty": 5},
    ]


def test_if_match_from_etag_and_idempotency_key() -> None:
    d = dest('insert = { idempotency_key = "Idempotency-Key" }\n')
    reqs = plan(d, [update(1, {"qty": 2}, etag='"4"'), insert(-1, {"name": "a"})])
    assert reqs[1].headers["If-Match"] == '"4"'
    key = reqs[0].headers["Idempotency-Key"]
    assert len(key) == 36 and "If-Match" not in reqs[0].headers


def test_placeholders_url_encoded_and_missing_value() -> None:
    assert fill_path("/x/{id}/{name}", {"id": "a/b c", "name": "é"}, 1) == "/x/a%2Fb%20c/%C3%A9"
    with pytest.raises(PlanError) as info:
        fill_path("/x/{id}", {"id": None}, 42)
    assert info.value.row_id == 42 and "{id}" in str(info.value)


def test_disabled_operation_is_refused() -> None:
    d = dest("delete = { enabled = false }\n")
    with pytest.raises(PlanError, match="delete is not enabled"):
        plan(d, [delete(1)])


def test_nest_keeps_plain_columns() -> None:
    assert nest({"a.b": 1, "a.c": 2, "d": 3}) == {"a": {"b": 1, "c": 2}, "d": 3}
