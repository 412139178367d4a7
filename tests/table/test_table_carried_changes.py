"""A change set restored onto a table whose rows are not loaded (yet): carried, counted and
journaled whole, placed on each row as its page arrives; kept when the row never comes."""

from __future__ import annotations

import json
from typing import Any

from tui.config.model import Column
from tui.table import RowState, Table

COLUMNS = [Column("id", type="integer"), Column("name"), Column("qty", type="integer", min=0)]


def page(ids: range, qty: int = 0) -> list[dict[str, object]]:
    return [{"id": i, "name": f"n{i}", "qty": qty or i * 10} for i in ids]


def edited(key: tuple[str, ...] = ("id",)) -> Table:
    t = Table(COLUMNS, key=key)
    t.append_page(page(range(1, 3001)))
    t.edit(0, "name", "first")  # id 1
    t.edit(1500, "qty", 7)  # id 1501
    t.edit(2999, "name", "last")  # id 3000
    t.edit(2999, "qty", -1)  # invalid, and changed
    t.delete_rows([10])  # id 11
    t.add_row({"id": 9001, "name": "new"})
    t.apply_results([])  # a checkpoint, as after a writeback
    return t


def normal(snapshot: dict[str, Any]) -> dict[str, list[str]]:
    return {
        part: sorted(json.dumps(item, sort_keys=True) for item in snapshot[part])
        for part in ("updates", "inserts", "deletes", "errors")
    }


def reloading(before: Table, key: tuple[str, ...] = ("id",)) -> Table:
    """What a reload starts from: an empty table with the change set restored onto it."""
    t = Table(COLUMNS, key=key)
    t.restore(json.loads(json.dumps(before.snapshot())))
    return t


def test_before_any_row_every_change_counts_and_is_journaled() -> None:
    before = edited()
    t = reloading(before)
    assert t.loaded_count == 0 and t.dirty
    assert str(t.counts()) == str(before.counts()) == "3 changed, 1 new, 1 deleted"
    assert t.counts().changed_values == before.counts().changed_values == 4
    assert normal(t.snapshot()) == normal(before.snapshot())
    assert t.state(-1) is RowState.NEW  # new rows need no loaded row
    assert [c.op for c in t.changes()] == ["insert"]  # nothing sent for rows not there


def test_changes_are_placed_page_by_page_and_end_as_they_were() -> None:
    before = edited()
    t = reloading(before)
    for start in range(1, 3001, 1000):
        t.append_page(page(range(start, start + 1000)))
        assert normal(t.snapshot()) == normal(before.snapshot())
        assert str(t.counts()) == "3 changed, 1 new, 1 deleted"
    assert t.place_unplaced() == []
    assert t.changes() == before.changes()
    assert t.state(10) is RowState.DELETED and t.state(1500) is RowState.CHANGED
    assert t.problems() == before.problems() == ["row id=3000, qty: must be at least 0"]
    assert t.history.undo_label is None  # placing is not an edit to undo


def test_a_page_places_its_rows_only() -> None:
    t = reloading(edited())
    t.append_page(page(range(1, 1001)))
    assert t.state(0) is RowState.CHANGED and t.value(0, "name") == "first"
    assert t.state(10) is RowState.DELETED
    assert [c.key for c in t.changes() if c.op != "insert"] == [{"id": 1}, {"id": 11}]
    assert len(t.unplaced_words()) == 2  # ids 1501 and 3000: not loaded yet


def test_a_row_gone_from_the_server_keeps_its_change() -> None:
    before = edited()
    t = reloading(before)
    t.append_page(page(range(1, 2001)))  # ids 2001.. are gone
    assert t.place_unplaced() == ["row id=3000 is not loaded; its change is kept, not sent"]
    assert str(t.counts()) == "3 changed, 1 new, 1 deleted"
    assert normal(t.snapshot()) == normal(before.snapshot())
    again = reloading(t)  # and through another reload, still
    again.append_page(page(range(1, 3001)))
    assert again.place_unplaced() == []
    assert again.changes() == before.changes()


def test_a_key_typed_differently_is_placed_when_the_load_ends() -> None:
    t = Table(COLUMNS, key=["id"])
    t.restore(
        {"format": 1, "key": ["id"], "next_new": -1, "inserts": [], "errors": [],
         "deletes": [], "updates": [{"key": {"id": "5"}, "set": {"name": "five"}, "was": {}}]}
    )  # fmt: skip
    t.append_page(page(range(1, 10)))
    assert t.place_unplaced() == []
    assert t.value(t.find({"id": 5}), "name") == "five"


def test_rows_without_keys_are_carried_by_row_id() -> None:
    before = edited(key=())
    t = reloading(before, key=())
    assert str(t.counts()) == "3 changed, 1 new, 1 deleted"
    t.append_page(page(range(1, 1001)))
    t.append_page(page(range(1001, 3001)))
    assert t.changes() == before.changes()


def test_writeback_errors_are_carried_with_their_rows() -> None:
    from tui.table import RowOutcome

    before = edited()
    before.apply_results([RowOutcome(1500, "failed", reason="HTTP 500: boom")])
    t = reloading(before)
    t.append_page(page(range(1, 3001)))
    assert t.row_error(1500) == "HTTP 500: boom"


def test_drop_and_forget() -> None:
    t = reloading(edited())
    t.drop_unplaced({"key": {"id": 11}})  # a delete found done on the server
    assert str(t.counts()) == "3 changed, 1 new"
    t.forget_unplaced()  # the change set discarded
    assert str(t.counts()) == "1 new"
    t.restore(edited().snapshot())
    t.restore(Table(COLUMNS, key=["id"]).snapshot())  # a restore replaces what was carried
    assert not t.dirty
