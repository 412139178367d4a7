"""Change set + destination -> the exact HTTP requests to send.

Pure: no I/O, so the same plan drives the dry run, the curl view and the writeback.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from tui.config.model import Destination, Method, Op, Operation
from tui.secrets import SecretRef
from tui.writeback.changes import RowChange

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_CONTENT_TYPES = {
    "json": "application/json",
    "merge-patch": "application/merge-patch+json",
    "json-patch": "application/json-patch+json",
    "form": "application/x-www-form-urlencoded",
}
ORDER: tuple[Op, ...] = ("insert", "update", "delete")


@dataclass(frozen=True)
class PlannedRequest:
    op: Op
    method: Method
    path: str  # relative to the integration URL, placeholders filled
    rows: tuple[int, ...]  # row ids this request writes, in body order
    params: dict[str, str | SecretRef] = field(default_factory=dict)
    headers: dict[str, str | SecretRef] = field(default_factory=dict)
    body: bytes | None = None
    keys: tuple[dict[str, Any], ...] = ()  # each row's key, to map batch results back
    # The operation's idempotency_key: the header in `headers` whose fresh value lets
    # the sender resend this request without writing twice. None: never resent.
    idempotency_header: str | None = None


class PlanError(ValueError):
    """A row that cannot be written as configured (e.g. a placeholder with no value)."""

    def __init__(self, row_id: int, message: str) -> None:
        super().__init__(message)
        self.row_id = row_id


def plan(
    dest: Destination, changes: Iterable[RowChange], unchanged: Iterable[RowChange] = ()
) -> list[PlannedRequest]:
    """Requests for `changes`; with send = "all", `unchanged` rows are sent as updates too."""
    by_op: dict[Op, list[RowChange]] = {op: [] for op in ORDER}
    for change in changes:
        by_op[change.op].append(change)
    if dest.send == "all":
        by_op["update"].extend(_as_full_update(row) for row in unchanged)
    requests: list[PlannedRequest] = []
    for op in ORDER:
        operation = getattr(dest, op)
        if by_op[op] and (operation is None or not operation.enabled):
            raise PlanError(by_op[op][0].row_id, f"{op} is not enabled for {dest.id}")
        if by_op[op]:
            requests.extend(_plan_op(dest, op, operation, by_op[op]))
    return requests


def _as_full_update(row: RowChange) -> RowChange:
    return RowChange(row.row_id, "update", row.key, row.values, dict(row.values), {}, row.etag)


def _plan_op(
    dest: Destination, op: Op, operation: Operation, rows: list[RowChange]
) -> Iterator[PlannedRequest]:
    if operation.array:
        for group in _same_shape_groups(dest, op, operation, rows):
            for page in _pages(group, operation.page_size):
                yield _batch_request(dest, op, operation, page)
    else:
        for row in rows:
            yield _row_request(dest, op, operation, row)


def _row_request(dest: Destination, op: Op, operation: Operation, row: RowChange) -> PlannedRequest:
    path = fill_path(operation.path, row.values | row.key, row.row_id)
    headers = dict(operation.headers)
    params = dict(operation.params)
    body: bytes | None = None
    if operation.payload == "params" or operation.method == "GET":
        params.update({k: _text(v) for k, v in row_object(dest, op, operation, row).items()})
    elif op != "delete":
        body, content_type = encode_body(operation, [row_document(dest, op, operation, row)])
        headers.setdefault("Content-Type", content_type)
    if op != "insert" and row.etag and dest.conflict_check in ("auto", "etag"):
        headers["If-Match"] = row.etag
    idempotency_header = _idempotency(operation, headers)
    return PlannedRequest(
        op,
        operation.method,
        path,
        (row.row_id,),
        params,
        headers,
        body,
        (row.key,),
        idempotency_header,
    )


def _batch_request(
    dest: Destination, op: Op, operation: Operation, rows: Sequence[RowChange]
) -> PlannedRequest:
    first = rows[0]
    path = fill_path(operation.path, first.values | first.key, first.row_id)
    documents = [nest(row_object(dest, op, operation, row, batch=True)) for row in rows]
    body, content_type = encode_body(operation, documents, batch=True)
    headers = dict(operation.headers)
    headers.setdefault("Content-Type", content_type)
    idempotency_header = _idempotency(operation, headers)
    return PlannedRequest(
        op,
        operation.method,
        path,
        tuple(r.row_id for r in rows),
        dict(operation.params),
        headers,
        body,
        tuple(r.key for r in rows),
        idempotency_header,
    )


def _idempotency(operation: Operation, headers: dict[str, str | SecretRef]) -> str | None:
    """A fresh key in `headers` when the operation has an idempotency header; its name."""
    # One key per request, kept across its retries, so the server can drop a repeat.
    if operation.idempotency_key:
        headers[operation.idempotency_key] = str(uuid.uuid4())
    return operation.idempotency_key


def row_object(
    dest: Destination, op: Op, operation: Operation, row: RowChange, *, batch: bool = False
) -> dict[str, Any]:
    """The fields a row sends: changed cells, or the whole row for PUT and send = "all"."""
    if op == "delete":
        return dict(row.key)
    if op == "insert" or operation.method == "PUT" or dest.send == "all":
        fields = dict(row.values)
    else:
        fields = dict(row.changed)
    if batch or operation.payload in ("params", "form") or operation.method == "GET":
        # Rows in one body (or one query) identify themselves by key.
        fields = {**row.key, **fields}
    return fields


def row_document(dest: Destination, op: Op, operation: Operation, row: RowChange) -> Any:
    fields = row_object(dest, op, operation, row)
    if operation.payload == "json-patch":
        verb = "add" if op == "insert" else "replace"
        return [{"op": verb, "path": _pointer(k), "value": v} for k, v in fields.items()]
    return nest(fields)


def nest(fields: dict[str, Any]) -> dict[str, Any]:
    """Undo the loader's flattening: {"links.self.href": x} -> {"links": {"self": {"href": x}}}."""
    nested: dict[str, Any] = {}
    for name, value in fields.items():
        *parents, leaf = name.split(".")
        target = nested
        for part in parents:
            child = target.setdefault(part, {})
            if not isinstance(child, dict):
                target[name] = value  # a clash with a plain column: keep the flat name
                break
            target = child
        else:
            target[leaf] = value
    return nested


def encode_body(
    operation: Operation, documents: list[Any], *, batch: bool = False
) -> tuple[bytes, str]:
    payload = operation.payload
    if payload == "form":
        return urlencode({k: _text(v) for k, v in documents[0].items()}).encode(), _CONTENT_TYPES[
            "form"
        ]
    document: Any = documents if batch else documents[0]
    if operation.envelope:
        document = {operation.envelope: document}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(), (
        _CONTENT_TYPES[payload]
    )


def fill_path(template: str, values: dict[str, Any], row_id: int) -> str:
    """`/things/{id}` with the row's values, each URL-encoded as one path segment."""

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name)
        if value is None or value == "":
            raise PlanError(row_id, f"{{{name}}} in {template!r} has no value in this row")
        return quote(_text(value), safe="")

    return _PLACEHOLDER.sub(value_of, template)


def _same_shape_groups(
    dest: Destination, op: Op, operation: Operation, rows: list[RowChange]
) -> Iterator[list[RowChange]]:
    # Servers treat a key missing from some objects of one batch differently
    # (reject, or set null): every object in one request has the same keys.
    groups: dict[frozenset[str], list[RowChange]] = {}
    for row in rows:
        shape = frozenset(row_object(dest, op, operation, row, batch=True))
        groups.setdefault(shape, []).append(row)
    yield from groups.values()


def _pages(rows: list[RowChange], size: int) -> Iterator[list[RowChange]]:
    step = size or len(rows)
    for start in range(0, len(rows), step):
        yield rows[start : start + step]


def _pointer(name: str) -> str:
    """RFC 6901 pointer of a (possibly flattened, dotted) column."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in name.split("."))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
