"""Column types: inference, coercion and text forms (tui.table.types)."""

from __future__ import annotations

import datetime as dt

import pytest

from tui.config.model import Column
from tui.table import Table
from tui.table.types import coerce, format_value, infer_type, to_wire


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, None, 3], "integer"),
        ([1, 2.5], "number"),
        (["1", "2", ""], "integer"),
        (["1.5", "-2", "1e3"], "number"),
        (["007", "12"], "text"),  # leading zeros: a code
        ([True, False], "boolean"),
        (["true", "FALSE"], "boolean"),
        (["2024-01-31", "2024-02-29"], "date"),
        (["2024-01-31T10:00:00Z", "2024-01-31 10:00"], "datetime"),
        (["2024-01-31", "2024-01-31T10:00:00Z"], "datetime"),
        (["2024-02-30"], "text"),
        (['["a","b"]', '{"k":1}'], "json"),
        ([{"k": 1}], "json"),
        (["1", "x"], "text"),
        ([None, ""], "text"),
        ([0, 1, 1], "integer"),  # 0/1 from the wire are numbers, not booleans
    ],
)
def test_infer_type(values: list[object], expected: str) -> None:
    assert infer_type(values) == expected


def test_inference_looks_at_a_sample_only() -> None:
    values = iter(["1"] * 5 + ["x"])
    assert infer_type(values, sample=5) == "integer"
    assert next(values) == "x"  # not consumed beyond the sample


@pytest.mark.parametrize(
    ("value", "type_", "expected"),
    [
        ("12", "integer", 12),
        (12.0, "integer", 12),
        ("1e3", "integer", 1000),
        (" 1.5 ", "number", 1.5),
        ("3", "number", 3),
        ("yes", "boolean", True),
        (0, "boolean", False),
        ("2024-01-31", "date", dt.date(2024, 1, 31)),
        ("2024-01-31T10:00:00Z", "datetime", dt.datetime(2024, 1, 31, 10, tzinfo=dt.UTC)),
        ('["a"]', "json", ["a"]),
        ("", "integer", None),
        ("", "text", ""),
        (5, "text", "5"),
        (None, "number", None),
    ],
)
def test_coerce(value: object, type_: str, expected: object) -> None:
    assert coerce(value, type_) == expected


@pytest.mark.parametrize(
    ("value", "type_", "message"),
    [
        ("1.5", "integer", "not an integer"),
        ("1_000", "integer", "not an integer"),
        (True, "integer", "not an integer"),
        ("nan", "number", "not a number"),
        ("maybe", "boolean", "not a boolean"),
        ("31/01/2024", "date", "not a date"),
        ("{", "json", "not valid JSON"),
    ],
)
def test_coerce_refuses_with_a_reason(value: object, type_: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        coerce(value, type_)


def test_format_value_round_trips_through_coerce() -> None:
    samples = {
        "integer": 42,
        "number": 0.1,
        "boolean": False,
        "date": dt.date(2024, 1, 31),
        "datetime": dt.datetime(2024, 1, 31, 10, 30, tzinfo=dt.UTC),
        "json": {"a": [1, 2]},
    }
    for type_, value in samples.items():
        assert coerce(format_value(value, type_), type_) == value, type_
    assert format_value(10.0, "number") == "10"
    assert format_value(None, "integer") == ""
    assert format_value(samples["datetime"], "datetime") == "2024-01-31T10:30:00Z"


def test_to_wire_for_json_payloads() -> None:
    assert to_wire(dt.date(2024, 1, 31), "date") == "2024-01-31"
    assert to_wire('{"a":1}', "json") == {"a": 1}
    assert to_wire(3, "integer") == 3


def test_configured_types_win_over_inference() -> None:
    table = Table([Column("code", type="text")])
    table.append_page([{"id": "1", "code": "12", "when": "2024-01-01"}])
    types = {c: table.column_type(c) for c in ("id", "code", "when")}
    assert types == {"id": "integer", "code": "text", "when": "date"}
