"""The columnar store keeps every value exactly as loaded, in the smallest form."""

from __future__ import annotations

import math

import pytest

from tui.table.store import Store


def _roundtrip(values: list[object]) -> tuple[list[object], str]:
    store = Store()
    for start in range(0, len(values), 3):  # several pages, so columns extend and convert
        store.append([{"c": v} for v in values[start : start + 3]])
    return [store.get(i, "c") for i in range(len(values))], store.column_kind("c")


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([1, 2, None, -(2**63), 2**63 - 1], "IntColumn"),
        ([1.5, None, 2.25, float("inf")], "FloatColumn"),
        ([True, False, None, True], "BoolColumn"),
        (["a", "b", None, "a", "", "é\ud800"], "DictTextColumn"),
        ([None, None, None, None], "NullColumn"),
        ([1, "1", True, 1.0, {"a": 1}, [1]], "ObjectColumn"),
        ([2**64, 1, None], "ObjectColumn"),
    ],
)
def test_values_come_back_exactly_with_their_types(values: list[object], kind: str) -> None:
    got, got_kind = _roundtrip(values)
    assert got == values
    assert [type(v) for v in got] == [type(v) for v in values]
    assert got_kind == kind


def test_ints_mixed_into_a_number_column_stay_ints() -> None:
    got, kind = _roundtrip([1.5, 2, None, 3.0, -7])
    assert kind == "FloatColumn"
    assert got == [1.5, 2, None, 3.0, -7]
    assert [type(v) for v in got] == [float, int, type(None), float, int]


def test_nan_survives() -> None:
    got, _ = _roundtrip([float("nan"), 1.0])
    assert math.isnan(got[0])  # type: ignore[arg-type]


def test_many_distinct_strings_are_packed() -> None:
    store = Store()
    for page in range(10):
        store.append([{"name": f"n{page}-{i}"} for i in range(1000)])
    assert store.column_kind("name") == "PackedTextColumn"
    assert store.get(0, "name") == "n0-0"
    assert store.get(9999, "name") == "n9-999"
    assert store.column_values("name")[5000] == "n5-0"


def test_columns_appearing_in_later_pages_are_null_before() -> None:
    store = Store()
    store.append([{"a": 1}, {"a": 2}])
    store.append([{"a": 3, "b": "x"}, {"b": "y"}])
    assert store.columns == ["a", "b"]
    assert [store.get(i, "b") for i in range(4)] == [None, None, "x", "y"]
    assert [store.get(i, "a") for i in range(4)] == [1, 2, 3, None]


def test_set_keeps_or_changes_representation() -> None:
    store = Store()
    store.append([{"n": i, "t": f"long text {i}"} for i in range(5000)])
    store.set(3, "n", None)
    store.set(4, "n", 99)
    assert store.column_kind("n") == "IntColumn"
    assert (store.get(3, "n"), store.get(4, "n")) == (None, 99)
    store.set(5, "n", "five")
    assert store.column_kind("n") == "ObjectColumn"
    assert [store.get(i, "n") for i in range(3, 7)] == [None, 99, "five", 6]
    store.set(2, "t", "replaced, much longer than before")
    assert store.get(2, "t") == "replaced, much longer than before"
    assert store.get(3, "t") == "long text 3"


def test_negative_and_out_of_range_rows_are_errors() -> None:
    store = Store()
    store.append([{"a": 1}])
    with pytest.raises(IndexError):
        store.get(-1, "a")
    with pytest.raises(IndexError):
        store.get(1, "a")


def test_matches_tests_each_value() -> None:
    store = Store()
    store.append([{"s": s} for s in ["red", "green", "red", None]])
    assert list(store.matches("s", lambda v: v == "red")) == [1, 0, 1, 0]
