"""Response bodies to flat records: JSON, CSV or XML, detected or as configured.

Nested objects become dotted columns (`address.city`); arrays stay together as
JSON text, as the grid shows one value per cell.  The decoded document is kept
alongside the records so pagination can read paths such as `links.next.href`.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from tui.jsonlines import loads, loads_page
from tui.rest.errors import ResponseError
from tui.rest.wire import text_encoding

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

FORMATS = ("json", "csv", "xml")
_MISSING = object()
_NESTED = frozenset({dict, list})  # json.loads makes exactly these, never subclasses
_NOT_OPENING = bytes(b for b in range(256) if b not in b"{[")  # all but `{` and `[`


class Decoded(Struct):
    """One response body: its records (flat dicts) and a way to read paths in it."""

    format: str
    records: list[dict[str, Any]]
    document: Any = None  # JSON value, or an ElementTree element for XML
    flat: bool = False  # JSON records that were flat as they came (none was flattened)

    def lookup(self, path: str) -> Any:
        """The value at a dotted path, or None."""
        if not path or self.document is None:
            return None
        if self.format == "xml":
            return _xml_lookup(self.document, path)
        value = get_path(self.document, path)
        return None if value is _MISSING else value


def is_html(content_type: str, body: bytes) -> bool:
    """An HTML page (a sign-in or error page a proxy put in the API's place); data an
    old API merely labels text/html (JSON, CSV, XML) is not one."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")[:15].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    media = content_type.split(";")[0].strip().lower()
    labelled = media in ("text/html", "application/xhtml+xml")
    return labelled and head[:1] == b"<" and not head.startswith(b"<?xml")


def detect_format(content_type: str, body: bytes) -> str:
    """From the Content-Type, else from the first non-blank character of the body."""
    media = content_type.split(";")[0].strip().lower()
    if media.endswith(("/json", "+json")) or media == "application/x-ndjson":
        return "json"
    if media.endswith(("/xml", "+xml")):
        return "xml"
    if media in ("text/csv", "application/csv", "text/tab-separated-values"):
        return "csv"
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        return "json"
    if head == b"<":
        return "xml"
    return "csv"


def decode(
    body: bytes,
    fmt: str,
    *,
    records: str = "",
    encoding: str | None = None,
    csv_delimiter: str = ",",
    xml_record: str | None = None,
    expect_flat: bool = True,
) -> Decoded:
    """Decode `body` as `fmt` (one of FORMATS); ResponseError when it is not that format.
    `expect_flat`: JSON records are likely flat (the last page's were), so checked as
    they are decoded; a page of another shape then costs a second decoding."""
    try:
        if fmt == "json":
            return _json(body, records, expect_flat)
        if fmt == "csv":
            return Decoded("csv", _csv(_text(body, encoding), csv_delimiter))
        return _xml(body, records, xml_record)
    except RecursionError:
        raise ResponseError(f"the {fmt.upper()} body is nested too deeply to read") from None


def _text(body: bytes, encoding: str | None) -> str:
    return body.decode(text_encoding(encoding) or "utf-8-sig", "replace")


# -- JSON ---------------------------------------------------------------------------


def _json(body: bytes, records_path: str, expect_flat: bool) -> Decoded:
    checked = False  # the body's top-level arrays hold flat records: msgspec checked
    try:
        if not body.strip():
            document = None
        elif expect_flat and "." not in records_path:
            document, checked = loads_page(body)
        else:
            document = loads(body)
    except ValueError as exc:
        raise ResponseError(f"the body is not valid JSON: {exc}") from None
    found = find_records(document, records_path)
    if (checked and _is_top_level(document, found)) or _all_flat(body, document, found):
        return Decoded("json", found, document, flat=True)
    return Decoded(
        "json", [flatten(r) if isinstance(r, dict) else {"value": r} for r in found], document
    )


def _is_top_level(document: Any, found: list[Any]) -> bool:
    """`found` is the body or one of its members (not a record wrapped in a list)."""
    if found is document:
        return True
    return type(document) is dict and any(value is found for value in document.values())


def _all_flat(body: bytes, document: Any, found: list[Any]) -> bool:
    """True when every record is an object holding no object or array: then the body has
    one `{` per record and no other `{` or `[` than those around the records (a string
    holding one only sends the page through `flatten`)."""
    if not found or set(map(type, found)) != {dict}:
        return False
    around = _containers_around(document, found)
    if around is None:
        return False  # the records are not an array of the body (one record, or none)
    objects, arrays = around
    # one pass over the body, where counting `{` and `[` apart takes two
    return len(body.translate(None, _NOT_OPENING)) == objects + arrays + len(found)


def _containers_around(document: Any, found: list[Any]) -> tuple[int, int] | None:
    """Objects and arrays of the document outside the records (their array counted), or
    None when the record array is not part of the document."""
    objects = arrays = 0
    met = False
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            objects += 1
            stack.extend(value.values())
        elif isinstance(value, list):
            arrays += 1
            if value is found:
                met = True
            else:
                stack.extend(value)
    return (objects, arrays) if met else None


def get_path(document: Any, path: str) -> Any:
    """Walk a dotted path through objects (and list indexes); _MISSING when absent."""
    value = document
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif (
            isinstance(value, list) and part.isascii() and part.isdigit() and int(part) < len(value)
        ):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def has_path(document: Any, path: str) -> bool:
    return get_path(document, path) is not _MISSING


def find_records(document: Any, path: str) -> list[Any]:
    """The record array: at `path`, else the body if it is an array, else the first
    top-level array of objects, else the body itself as one record."""
    if document is None:
        return []
    if path:
        value = get_path(document, path)
        if value is _MISSING or value is None:
            return []
        if not isinstance(value, list):
            return [value]
        return value
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for value in document.values():
            if isinstance(value, list) and (not value or isinstance(value[0], dict)):
                return value
        return [document]
    return [document]


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """Nested objects as dotted keys, arrays as compact JSON text."""
    if _NESTED.isdisjoint(map(type, record.values())):
        return record  # the common flat case: one scan in C, no copy
    flat: dict[str, Any] = {}
    _flatten_into(flat, "", record)
    return flat


def _flatten_into(flat: dict[str, Any], prefix: str, record: dict[str, Any]) -> None:
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            _flatten_into(flat, name + ".", value)
        elif isinstance(value, dict | list):
            flat[name] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            flat[name] = value


# -- CSV ----------------------------------------------------------------------------


def _csv(text: str, delimiter: str) -> list[dict[str, Any]]:
    import csv  # only CSV bodies need it

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _csv_rows(reader)
    except csv.Error as exc:
        raise ResponseError(f"the body is not valid CSV: {exc} (line {reader.line_num})") from None


def _csv_rows(reader: Any) -> list[dict[str, Any]]:
    header = next(reader, None)
    if not header:
        return []
    names = _unique_names(header)
    width = len(names)
    rows = []
    for row in reader:
        if not row:
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        rows.append(dict(zip(names, row, strict=False)))
    return rows


def _unique_names(header: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    names = []
    for i, raw in enumerate(header):
        name = raw.strip() or f"column{i + 1}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


# -- XML ----------------------------------------------------------------------------


def _xml(body: bytes, records_path: str, record_tag: str | None) -> Decoded:
    import xml.etree.ElementTree as ET  # only XML bodies need it: a load of JSON starts sooner

    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError, LookupError) as exc:
        # ValueError and LookupError: an encoding declaration expat cannot read
        raise ResponseError(f"the body is not valid XML: {exc}") from None
    elements = _xml_records(root, records_path, record_tag)
    return Decoded("xml", [flatten(_element_dict(e)) for e in elements], root)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]  # drop an XML namespace


def _xml_records(root: ET.Element, path: str, tag: str | None) -> list[ET.Element]:
    container = root
    if path:
        found = _xml_find(root, path)
        if found is None:
            return []
        container = found
    if tag:
        return [e for e in container.iter() if _local(e.tag) == tag]
    return _repeated_children(container)


def _repeated_children(element: ET.Element) -> list[ET.Element]:
    """The first (breadth-first) group of same-named siblings; failing that, the
    children of the outermost element that has any."""
    queue = [element]
    while queue:
        current = queue.pop(0)
        children = list(current)
        if children:
            tag, count = Counter(_local(c.tag) for c in children).most_common(1)[0]
            if count > 1:
                return [c for c in children if _local(c.tag) == tag]
        queue.extend(children)
    return list(element)


def _element_dict(element: ET.Element) -> dict[str, Any]:
    record: dict[str, Any] = {f"@{_local(k)}": v for k, v in element.attrib.items()}
    groups: dict[str, list[ET.Element]] = {}
    for child in element:
        groups.setdefault(_local(child.tag), []).append(child)
    for name, items in groups.items():
        values = [_element_value(c) for c in items]
        record[name] = values[0] if len(values) == 1 else values
    if not groups and element.text and element.text.strip():
        record["#text"] = element.text.strip()
    return record


def _element_value(element: ET.Element) -> Any:
    if len(element) or element.attrib:
        return _element_dict(element)
    text = element.text
    return text.strip() if text and text.strip() else None


def _xml_find(root: ET.Element, path: str) -> ET.Element | None:
    parts = path.split(".")
    if parts and parts[0] == _local(root.tag):
        parts = parts[1:]  # the path may name the root element or start below it
    current: ET.Element | None = root
    for part in parts:
        if current is None:
            return None
        current = next((c for c in current if _local(c.tag) == part), None)
    return current


def _xml_lookup(root: ET.Element, path: str) -> Any:
    if path.startswith("@") or ".@" in path:
        head, _, attr = path.rpartition("@")
        element = _xml_find(root, head.rstrip(".")) if head.rstrip(".") else root
        return element.get(attr) if element is not None else None
    found = _xml_find(root, path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None
