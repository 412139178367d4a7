"""Fuzzed response bodies from outside: JSON, XML and CSV bodies, error bodies and the
headers that come with them.

Each reader either gives its value or refuses with our own one-line error; no
other exception type ever escapes.  Inputs that once escaped as another
exception are pinned by regression tests at the end.  The other fuzzed inputs:
write answers, pagination documents, `push` files and `audit --since` values
(tests/*/test_fuzz_*.py).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.support.fuzzing import (
    FUZZ,
    VARIANTS,
    encode,
    error_shapes,
    json_values,
    latin1_text,
    one_line,
)
from tui.rest.decode import FORMATS, Decoded, decode, detect_format
from tui.rest.errors import ResponseError, describe_body, describe_json_error
from tui.rest.limits import retry_after_seconds

pytestmark = pytest.mark.slow  # generated inputs

# -- strategies ---------------------------------------------------------------------------

paths = st.sampled_from(["", "data", "items", "data.0", "links.next.href", "a.b.c", "0"]) | st.text(
    max_size=6
)


def decoded_or_refused(body: bytes, fmt: str, **options: Any) -> Decoded | ResponseError:
    """Decode; a ResponseError is the only refusal, and says why in one line."""
    try:
        result = decode(body, fmt, **options)
    except ResponseError as exc:
        assert type(exc) is ResponseError
        assert one_line(str(exc)), repr(str(exc))
        return exc
    assert isinstance(result, Decoded) and result.format == fmt
    assert isinstance(result.records, list)
    assert all(isinstance(record, dict) for record in result.records)
    return result


# -- response bodies -------------------------------------------------------------------------


@FUZZ
@given(document=json_values, variant=st.sampled_from(VARIANTS), records=paths, path=paths)
@example(document=[1], variant="deep", records="", path="")
@example(document={"a": 1}, variant="deep_dicts", records="data", path="data.data")
@example(document=None, variant="big_number", records="data", path="data.0.id")
@example(document={"data": 7}, variant="bom", records="data", path="data")
@example(document=[], variant="plain", records="²", path="²")  # "²".isdigit(), int("²") fails
def test_json_bodies_decode_or_refuse(document: Any, variant: str, records: str, path: str) -> None:
    result = decoded_or_refused(encode(document, variant), "json", records=records)
    if isinstance(result, Decoded):
        result.lookup(path)  # pagination reads paths like these: never raises
        for record in result.records:
            if variant == "plain" and isinstance(document, dict | list):
                # nested objects are flattened: a cell never holds an object
                assert not any(isinstance(v, dict) for v in record.values()), record


@FUZZ
@given(
    body=st.binary(max_size=300),
    fmt=st.sampled_from(FORMATS),
    records=paths,
    encoding=st.sampled_from([None, "utf-8", "latin-1", "utf-16", "bogus", "x-unknown"]),
    delimiter=st.sampled_from([",", ";", "\t", "|", " ", "\x00"]),
    xml_record=st.none() | st.sampled_from(["row", "item", "a"]),
)
@example(b"a,b\n1,2\n", "csv", "", "bogus", ",", None)
@example(b"a,b\n" + b"x" * 200_000 + b",2\n", "csv", "", None, ",", None)
@example(b'<?xml version="1.0" encoding="shift_jis"?><a/>', "xml", "", None, ",", None)
@example(b'<?xml version="1.0" encoding="bogus"?><a/>', "xml", "", None, ",", None)
@example(b"<a>" * 3000 + b"</a>" * 3000, "xml", "", None, ",", None)
@example(b"[" * 100_000, "json", "", None, ",", None)
def test_random_bytes_decode_or_refuse(
    body: bytes,
    fmt: str,
    records: str,
    encoding: str | None,
    delimiter: str,
    xml_record: str | None,
) -> None:
    result = decoded_or_refused(
        body,
        fmt,
        records=records,
        encoding=encoding,
        csv_delimiter=delimiter,
        xml_record=xml_record,
    )
    if isinstance(result, Decoded):
        result.lookup(records)
        result.lookup("@id")


tags = st.sampled_from(["row", "item", "a", "data", "ns:x", "id"])


@st.composite
def xml_documents(draw: st.DrawFn) -> bytes:
    """XML from elements, text and attributes, with odd prologues and deep nesting."""

    def element(depth: int) -> str:
        tag = draw(tags)
        attrs = "".join(
            f' {name}="{value}"'
            for name, value in draw(
                st.dictionaries(st.sampled_from(["id", "x", "href"]), st.text("ab<&'", max_size=3))
            ).items()
        )
        attrs = attrs.replace("<", "&lt;").replace("&", "&amp;")
        kids = draw(st.integers(0, 3)) if depth < 4 else 0
        inner = "".join(element(depth + 1) for _ in range(kids)) or draw(
            st.text("ab 1<&", max_size=4)
        )
        inner = inner if kids else inner.replace("&", "&amp;").replace("<", "&lt;")
        return f"<{tag}{attrs}>{inner}</{tag}>"

    body = element(0)
    nest = draw(st.sampled_from([0, 0, 0, 3000]))
    body = "<w>" * nest + body + "</w>" * nest
    prologue = draw(
        st.sampled_from(
            [
                "",
                '<?xml version="1.0"?>',
                '<?xml version="1.0" encoding="utf-8"?>',
                '<?xml version="1.0" encoding="shift_jis"?>',
                '<?xml version="1.0" encoding="bogus"?>',
                '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
            ]
        )
    )
    return (prologue + body).encode()


@FUZZ
@given(body=xml_documents(), records=paths, xml_record=st.none() | tags, path=paths)
def test_xml_documents_decode_or_refuse(
    body: bytes, records: str, xml_record: str | None, path: str
) -> None:
    result = decoded_or_refused(body, "xml", records=records, xml_record=xml_record)
    if isinstance(result, Decoded):
        result.lookup(path)
        result.lookup(path + ".@id")


csv_cells = st.text(max_size=6) | st.sampled_from(
    ['"', '""', "a,b", "\n", "\r\n", "\x00", "\u2028"]
)


@FUZZ
@given(rows=st.lists(st.lists(csv_cells, max_size=4), max_size=5), cut=st.integers(0, 200))
def test_csv_texts_decode_or_refuse(rows: list[list[str]], cut: int) -> None:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    text = out.getvalue()
    for body in (text.encode(), text.encode()[:cut]):  # whole, and cut off mid-quote
        decoded_or_refused(body, "csv")


@FUZZ
@given(
    content_type=st.text(max_size=40) | st.sampled_from(["application/json", "text/csv"]),
    body=st.binary(max_size=40),
)
def test_detect_format_names_a_format(content_type: str, body: bytes) -> None:
    assert detect_format(content_type, body) in FORMATS


# -- error bodies ------------------------------------------------------------------------------

html_pages = st.lists(
    st.sampled_from(
        [
            "<title>",
            "</title>",
            "<script>",
            "</script>",
            "<style",
            "<p>",
            "x y",
            "&amp;",
            "<",
            ">",
            "\n",
        ]
    ),
    max_size=30,
).map("".join)


@st.composite
def error_bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["shape", "shape", "json", "html", "bytes", "nested"]))
    if kind == "shape":
        return encode(
            draw(error_shapes | st.lists(error_shapes, max_size=2)), draw(st.sampled_from(VARIANTS))
        )
    if kind == "json":
        return encode(draw(json_values), draw(st.sampled_from(VARIANTS)))
    if kind == "html":
        return draw(html_pages).encode()
    if kind == "nested":
        return ('{"error":' * 900 + '"deep"' + "}" * 900).encode()
    return draw(st.binary(max_size=200))


@FUZZ
@given(
    status=st.integers(100, 599),
    body=error_bodies(),
    content_type=latin1_text
    | st.sampled_from(
        ["text/html", "application/json; charset=utf-16", "text/plain; charset=bogus"]
    ),
)
@example(400, b"[" * 100_000, "application/json")
@example(500, b'{"error":' * 900 + b'"x"' + b"}" * 900, "application/json")
@example(502, b"<script" * 30_000, "text/html")
@example(400, b'{"message": "a\\nb\\u2028c", "code": "E1"}', "application/json")
def test_error_bodies_are_described_in_one_short_line(
    status: int, body: bytes, content_type: str
) -> None:
    headers = [(b"content-type", content_type.encode("latin-1"))]  # as the wire brings them
    response = httpx.Response(status, content=body, headers=headers)
    text = describe_body(response)
    assert one_line(text) and len(text) <= 300, repr(text)


@FUZZ
@given(data=error_shapes | json_values)
def test_json_errors_are_described_in_one_line(data: Any) -> None:
    text = describe_json_error(data)
    assert one_line(text) and len(text) <= 300, repr(text)


# -- bugs in modules not fixed here: each flips to a failure once fixed ---------------------------


def test_regression_superscript_retry_after() -> None:
    assert retry_after_seconds("\xb2") is None
