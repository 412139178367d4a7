"""JSON Patch (RFC 6902, top-level members), JSON Merge Patch (RFC 7396), If-Match."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.demo.errors import ApiError, error_item
from tui.demo.wire import JSON, Request

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
OPS = ("add", "remove", "replace", "test")


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
    if op.get("op") not in OPS:
        detail = f"op must be one of {', '.join(OPS)}, not {op.get('op')!r}"
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
            raise ApiError(
                400,
                [
                    error_item(
                        400, f"{name} is read-only", title="Read-only field", pointer=f"/{name}"
                    )
                ],
            )
