"""Snapshot/restore of the change set (the draft journal) and writeback results."""

from __future__ import annotations

import datetime as dt
import json

from tui.config.model import Column
from tui.table import RowOutcome, RowState, Table

COLUMNS = [Column("id", type="integer"), Column("day", type="date"), Column("qty", min=0)]


def make(qty_of_2: int = 20) -> Table:
    t = Table(COLUMNS, key=["id"])
    t.append_page([{"id": i, "qty": qty_of_2 if i == 2 else i * 10, "day": None} for i in range(5)])
    return t


def test_snapshot_is_json_and_restores_exactly() -> None:
    t = make()
    t.edit(1, "qty", 11)
    t.edit(1, "day", dt.date(2024, 5, 1))
    t.edit(3, "qty", -1)
    a = t.add_row({"id": 50, "day": dt.date(2024, 1, 2)})
    t.add_row({"id": 51, "qty": {"$date": "not a tag"}})
    t.delete_rows([4])
    t.apply_results([RowOutcome(3, "failed", reason="HTTP 500: boom")])
    data = json.loads(json.dumps(t.snapshot()))

    fresh = make()
    assert fresh.restore(data) == []
    assert fresh.changes() == t.changes()
    assert fresh.value(a, "day") == dt.date(2024, 1, 2)
    assert fresh.value(-2, "qty") == {"$date": "not a tag"}
    assert fresh.problems() == t.problems() == ["row id=3, qty: must be at least 0"]
    assert fresh.row_error(3) == "HTTP 500: boom"
    assert fresh.state(4) is RowState.DELETED
    assert fresh.history.undo_label is None  # a restore is a checkpoint
    assert fresh.add_row({"id": 52}) == -3  # new ids do not collide with restored ones
    assert fresh.history.undo_label == "add row"


def test_restore_reports_rows_gone_and_values_moved_on() -> None:
    t = make()
    t.edit(2, "qty", 25)
    t.edit(4, "qty", 41)
    data = t.snapshot()
    server_now = Table(COLUMNS, key=["id"])
    server_now.append_page([{"id": i, "qty": 21 if i == 2 else i * 10} for i in range(4)])
    problems = server_now.restore(data)
    assert problems == [
        "row id=2, qty: changed on the server since the edit (was 20, now 21); your value is kept",
        "row id=4 is not loaded; its change is kept, not sent",
    ]
    assert server_now.value(2, "qty") == 25
    # the gone row's change is carried: counted, journaled, never sent
    assert str(server_now.counts()) == "2 changed"
    assert {"key": {"id": 4}, "set": {"qty": 41}, "was": {"qty": 40}} in server_now.snapshot()[
        "updates"
    ]
    assert [c.key for c in server_now.changes()] == [{"id": 2}]


def test_restore_replaces_the_current_changes() -> None:
    t = make()
    empty = t.snapshot()
    t.edit(1, "qty", 5)
    t.add_row({"id": 60})
    t.restore(empty)
    assert not t.dirty and t.row_count == 5


def test_done_rows_fold_into_the_loaded_state_failed_rows_stay_pending() -> None:
    t = make()
    t.edit(1, "qty", 11)
    t.edit(2, "qty", 22)
    new = t.add_row({"qty": 7})
    t.delete_rows([3])
    moved = t.apply_results(
        [
            RowOutcome(1, "done"),
            RowOutcome(2, "failed", reason="HTTP 422: qty too high"),
            RowOutcome(new, "done", values={"id": 77}),
            RowOutcome(3, "done"),
        ]
    )
    assert list(moved) == [new]
    loaded = moved[new]
    assert t.loaded_value(1, "qty") == 11 and t.state(1) is RowState.CLEAN
    assert t.state(2) is RowState.CHANGED and t.row_error(2) == "HTTP 422: qty too high"
    assert t.state(loaded) is RowState.CLEAN and t.value(loaded, "id") == 77
    assert t.find({"id": 77}) == loaded and t.find({"id": 3}) is None
    assert not t.exists(3) and t.row_count == 5
    assert t.visible_rows(0, 9) == [0, 1, 2, 4, loaded]
    assert t.position_of(loaded) == 4 and t.position_of(3) is None
    assert str(t.counts()) == "1 changed"
    assert t.history.undo_label is None  # a writeback is a checkpoint


def test_take_theirs_or_keep_mine_after_a_conflict() -> None:
    t = make()
    t.edit(1, "qty", 15)
    t.edit(2, "qty", 25)
    t.set_loaded(1, {"qty": 15})  # theirs equals mine: no change left
    t.set_loaded(2, {"qty": 21})  # theirs differs: mine stays pending against theirs
    assert t.state(1) is RowState.CLEAN
    assert t.changes().updates[0].was == {"qty": 21}
