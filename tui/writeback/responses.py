"""Reading a write response into per-row results: 201 keys, 207 batches, PostgREST no-ops."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tui.config.model import Op, WriteStatus
from tui.rest.decode import flatten, get_path
from tui.rest.errors import describe_body, describe_json_error, status_text
from tui.rest.wire import count_of
from tui.writeback.plan import PlannedRequest
from tui.writeback.results import RowResult

# A gateway that lost its upstream cannot say whether the service behind it wrote.
GATEWAY_FAILED = frozenset({502, 504})


def row_results(
    planned: PlannedRequest,
    response: httpx.Response,
    key: tuple[str, ...],
    results_path: str | None,
) -> list[RowResult]:
    """One result per row of `planned`, from the server's answer."""
    document = _json(response)
    if len(planned.rows) > 1 or results_path:
        return _batch(planned, response, document, key, results_path)
    result = _single(planned, response, document, key)
    return [result]


def _single(
    planned: PlannedRequest, response: httpx.Response, document: Any, key: tuple[str, ...]
) -> RowResult:
    result = RowResult(planned.rows[0], planned.op, "done", http_status=response.status_code)
    status = response.status_code
    if status == 412:
        result.status, result.message = "conflict", "changed on the server since it was loaded"
    elif status in GATEWAY_FAILED:
        result.status, result.message = "unknown", _gateway_reason(response)
    elif not response.is_success:
        result.status, result.message = "failed", _reason(response)
    elif _matched_nothing(planned, response, document):
        result.status = "failed"
        result.message = f"{status} but the server changed no row (it matched nothing)"
    else:
        result.etag = response.headers.get("etag")
        if planned.op == "insert":
            result.assigned = _assigned_keys(response, document, key)
    return result


def _batch(
    planned: PlannedRequest,
    response: httpx.Response,
    document: Any,
    key: tuple[str, ...],
    results_path: str | None,
) -> list[RowResult]:
    items = get_path(document, results_path) if results_path and document is not None else None
    if _is_representation(planned, response, document, results_path):
        # A bulk insert answered with the created rows, in order (PostgREST's
        # return=representation): each row's server-assigned key, as for a single row.
        return [
            RowResult(row, planned.op, "done", http_status=response.status_code, assigned=keys)
            for row, keys in zip(planned.rows, (_keys_in(r, key) for r in document), strict=True)
        ]
    if response.status_code in GATEWAY_FAILED:
        message = _gateway_reason(response)
        return [
            RowResult(r, planned.op, "unknown", message, response.status_code) for r in planned.rows
        ]
    if not response.is_success or not isinstance(items, list):
        status: WriteStatus = (
            "done" if response.is_success and response.status_code != 207 else "failed"
        )
        message = "" if status == "done" else _reason(response) or "no per-row results"
        return [
            RowResult(r, planned.op, status, message, response.status_code) for r in planned.rows
        ]
    matched = _match_items(planned, items, key)
    return [_item_result(row, planned.op, item, key) for row, item in matched]


def _is_representation(
    planned: PlannedRequest, response: httpx.Response, document: Any, results_path: str | None
) -> bool:
    return (
        planned.op == "insert"
        and not results_path
        and response.status_code in (200, 201)
        and isinstance(document, list)
        and len(document) == len(planned.rows)
        and all(isinstance(item, dict) for item in document)
    )


def _keys_in(record: dict[str, Any], key: tuple[str, ...]) -> dict[str, Any]:
    flat = flatten(record)
    return {k: flat[k] for k in key if k in flat}


def _match_items(
    planned: PlannedRequest, items: list[Any], key: tuple[str, ...]
) -> list[tuple[int, Any]]:
    # By key where items carry it, else by "index", else by position.
    by_key = {_key_of(item, key): item for item in items if isinstance(item, dict)}
    by_index = {
        item["index"]: item
        for item in items
        if isinstance(item, dict) and isinstance(item.get("index"), int)
    }
    matched = []
    for position, (row, row_key) in enumerate(zip(planned.rows, planned.keys, strict=True)):
        wanted = tuple(str(row_key.get(k)) for k in key) if row_key else None
        item = by_key.get(wanted) if wanted and all(v != "None" for v in wanted) else None
        if item is None:
            item = by_index.get(position)
        if item is None and len(items) == len(planned.rows):
            item = items[position]
        matched.append((row, item))
    return matched


def _item_result(row: int, op: Op, item: Any, key: tuple[str, ...]) -> RowResult:
    if not isinstance(item, dict):
        return RowResult(row, op, "unknown", "the server's answer has no result for this row")
    status = item.get("status")
    given = count_of(str(status))
    code = 200 if given is None else given
    if 200 <= code < 300:
        assigned = {k: item[k] for k in key if k in item} if op == "insert" else {}
        return RowResult(row, op, "done", http_status=code, assigned=assigned)
    message = describe_json_error(item) or item.get("title") or f"status {code}"
    verdict: WriteStatus = "conflict" if code == 412 else "failed"
    return RowResult(row, op, verdict, f"{code}: {message}", http_status=code)


def _key_of(item: dict[str, Any], key: tuple[str, ...]) -> tuple[str, ...] | None:
    if not key or not all(k in item for k in key):
        return None
    return tuple(str(item[k]) for k in key)


def _matched_nothing(planned: PlannedRequest, response: httpx.Response, document: Any) -> bool:
    # PostgREST answers a PATCH/DELETE that matched no row with 2xx and nothing in it.
    if planned.op == "insert":
        return False
    if document == [] and response.status_code in (200, 201):
        return True  # return=representation: no row came back
    span, _, total = response.headers.get("content-range", "").partition("/")
    if total == "0":
        return True  # count=exact
    # A PATCH that matched rows says which ("0-0/*"); PostgREST 12 answers every
    # DELETE with "*/*", matched or not, so only the two signals above count for it.
    return planned.op == "update" and span.strip() == "*" and not document


def _assigned_keys(response: httpx.Response, document: Any, key: tuple[str, ...]) -> dict[str, Any]:
    record = document[0] if isinstance(document, list) and document else document
    if isinstance(record, dict):
        record = record.get("data", record) if "data" in record and len(record) <= 3 else record
    if isinstance(record, dict):
        flat = flatten(record)
        found = {k: flat[k] for k in key if k in flat}
        if found:
            return found
    location = response.headers.get("location")
    if location and len(key) == 1:
        return {key[0]: location.rstrip("/").rsplit("/", 1)[-1]}
    return {}


def _gateway_reason(response: httpx.Response) -> str:
    return f"outcome unknown, check the server: {_reason(response)} (the service behind the gateway may have written it)"


def _reason(response: httpx.Response) -> str:
    text = status_text(response, describe_body(response))
    note = response.extensions.get("writeback.note")  # e.g. why a POST was not retried
    return f"{text} ({note})" if note else text


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
