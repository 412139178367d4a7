"""Views for the grid: sort, filter and search move row ids only; duplicate keys reported."""

from __future__ import annotations

import pytest

from tui.config.model import Column
from tui.table import Table


def make() -> Table:
    t = Table([Column("id", type="integer")], key=["id"])
    t.append_page(
        [
            {"id": 1, "name": "banana", "qty": 3},
            {"id": 2, "name": "Apple", "qty": None},
            {"id": 3, "name": "cherry", "qty": 1},
        ]
    )
    t.append_page([{"id": 4, "name": "apple pie", "qty": 2, "extra": True}])
    return t


def names(t: Table) -> list[object]:
    return [t.value(r, "name") for r in t.visible_rows(0, t.visible_count)]


def test_natural_order_is_load_order_then_new_rows() -> None:
    t = make()
    new = t.add_row({"id": 9, "name": "zed"})
    assert t.visible_rows(0, 99) == [0, 1, 2, 3, new]
    assert [t.row_at(p) for p in range(5)] == [0, 1, 2, 3, new]
    assert t.position_of(new) == 4 and t.position_of(2) == 2


def test_sort_text_case_insensitive_and_nulls_last() -> None:
    t = make()
    t.sort("name")
    assert names(t) == ["Apple", "apple pie", "banana", "cherry"]
    t.sort("name", descending=True)
    assert names(t) == ["cherry", "banana", "apple pie", "Apple"]
    t.sort("qty")
    assert [t.value(r, "qty") for r in t.visible_rows(0, 9)] == [1, 2, 3, None]
    t.sort("qty", descending=True)
    assert [t.value(r, "qty") for r in t.visible_rows(0, 9)] == [3, 2, 1, None]


def test_sort_uses_current_values_and_mixed_types_do_not_crash() -> None:
    t = make()
    t.edit(0, "qty", 0)
    t.sort("qty")
    assert t.visible_rows(0, 1) == [0]
    t.edit(1, "qty", "lots")
    t.sort("qty")
    assert t.visible_count == 4


def test_filter_by_text_any_column_or_one_column_and_by_predicate() -> None:
    t = make()
    assert t.filter("APPLE") == 2
    assert names(t) == ["Apple", "apple pie"]
    assert t.filter("true") == 1  # booleans show as true/false
    assert t.filter("3", column="qty") == 1
    assert t.filter(column="qty", where=lambda v: v is not None and v >= 2) == 2
    t.clear_filter()
    assert t.visible_count == 4
    with pytest.raises(ValueError):
        t.filter(where=lambda v: True)


def test_filter_sees_edits_and_new_rows_and_keeps_sort() -> None:
    t = make()
    t.edit(2, "name", "green apple")
    new = t.add_row({"id": 5, "name": "crab apple"})
    t.sort("name")
    t.filter("apple")
    assert names(t) == ["Apple", "apple pie", "crab apple", "green apple"]
    assert t.position_of(new) == 2 and t.position_of(0) is None


def test_rows_arriving_under_a_filter_are_tested() -> None:
    t = make()
    t.filter("apple")
    t.append_page([{"id": 5, "name": "pineapple"}, {"id": 6, "name": "kiwi"}])
    assert names(t) == ["Apple", "apple pie", "pineapple"]
    t.sort("name", descending=True)
    t.append_page([{"id": 7, "name": "apple"}, {"id": 8, "name": "fig"}])
    assert names(t) == ["pineapple", "apple pie", "Apple", "apple"]  # late rows at the end


def test_search_next_and_previous_wrap() -> None:
    t = make()
    assert t.search("apple", 0) == 1
    assert t.search("apple", 1) == 3
    assert t.search("apple", 3) == 1  # wraps
    assert t.search("apple", 1, backwards=True) == 3
    assert t.search("durian", 0) is None
    t.sort("name", descending=True)
    assert t.search("apple", 0) == 2
    assert t.search("3", 0, column="qty") == 1


def test_search_far_away_uses_the_column_scan() -> None:
    t = Table()
    t.append_page([{"v": f"row {i}"} for i in range(3000)])
    assert t.search("row 2999", 0) == 2999
    assert t.search("row 10", 2999) == 10
    assert t.search("row 2999", 0, backwards=True) == 2999
    t.edit(1500, "v", "needle")
    assert t.search("needle", 0) == 1500


def test_duplicate_keys_in_loaded_data_are_reported_on_their_rows() -> None:
    t = Table(key=["id"])
    t.append_page([{"id": 1}, {"id": 2}, {"id": 1.0}])
    t.append_page([{"id": 2}, {"id": None}, {"name": "x"}, {"id": 1}])
    assert [t.row_error(r) for r in (0, 2, 6)] == [
        "duplicate key id=1",
        "duplicate key id=1.0",
        "duplicate key id=1",
    ]
    assert t.row_error(3) == "duplicate key id=2"
    assert t.row_error(4) is None and t.row_error(5) is None


def test_compound_keys() -> None:
    t = Table(key=["a", "b"])
    t.append_page([{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "x"}])
    assert t.find({"a": 1, "b": "y"}) == 1
    assert t.find({"a": "1", "b": "y"}) == 1
    duplicate = "duplicate key a=1, b='x'"
    assert [t.row_error(r) for r in range(3)] == [duplicate, None, duplicate]


@pytest.mark.parametrize(("start", "stop"), [(0, 99), (1, 3), (2, 6), (4, 6), (5, 99), (-2, 2)])
def test_visible_rows_agree_with_row_at_after_rows_are_gone_and_added(
    start: int, stop: int
) -> None:
    from tui.table import RowOutcome

    t = make()
    t.delete_rows([1])
    t.apply_results([RowOutcome(1, "done")])  # written: row 1 is gone from the table
    new = [t.add_row({"id": 10 + i, "name": f"new {i}"}) for i in range(3)]
    assert t.visible_count == 6 and t.row_at(3) == new[0]
    expected = [t.row_at(p) for p in range(max(start, 0), min(stop, t.visible_count))]
    assert t.visible_rows(start, stop) == expected
