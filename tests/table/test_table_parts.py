"""The table's parts on their own: key index, overlay, cell codec, change file ops."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from decimal import Decimal

import pytest

from tui.config.model import OPS
from tui.table.changefile import ChangeFileError, parse_changes
from tui.table.changeset import decode_cells, encode_cells, is_op
from tui.table.edits import FREE_AT_ONCE, History, SetCell, UndoStep
from tui.table.keys import KeyIndex, key_words
from tui.table.rows import Overlay, same


def test_key_index_finds_by_value_and_notes_duplicates() -> None:
    index = KeyIndex(("id",))
    index.add([{"id": 7.0}, {"id": 8}, {"id": 7}, {"id": None}], range(0, 4))
    assert index.get({"id": 7}) == 0  # 7.0 is the key 7
    assert index.is_duplicate({"id": 7}) and not index.is_duplicate({"id": 8})
    assert index.duplicates == {7: [0, 2]}
    assert index.get({"id": None}) is None  # a null key indexes nothing
    index.remove({"id": 8}, 1)
    assert index.get({"id": 8}) is None


def test_compound_keys_with_a_null_part_index_nothing() -> None:
    index = KeyIndex(("a", "b"))
    index.add([{"a": 1, "b": None}, {"a": 1, "b": 2}], range(0, 2))
    assert index.get({"a": 1, "b": None}) is None
    assert index.get({"a": 1, "b": 2}) == 1
    assert key_words({"a": 1, "b": "x"}) == "a=1, b='x'"


def test_overlay_counts_changed_cells_and_forgets_values_set_back() -> None:
    overlay = Overlay()
    overlay.set_cell(0, "qty", 5, loaded=3)
    overlay.set_cell(0, "name", "b", loaded="a")
    assert overlay.changed_cells == 2 and overlay.changed_rows == 1
    overlay.set_cell(0, "qty", 3.0, loaded=3)  # the loaded value again: no change
    assert overlay.updates == {0: {"name": "b"}} and overlay.changed_cells == 1
    held = overlay.updates
    overlay.clear()
    assert not overlay and held == {0: {"name": "b"}}  # a reader's dict is left alone


def test_same_tells_numbers_from_booleans_and_text() -> None:
    assert same(1, 1.0) and same(float("nan"), float("nan"))
    assert not same(True, 1) and not same("1", 1)


def test_cells_survive_the_codec_exactly() -> None:
    cells: dict[str, object] = {
        "at": dt.datetime(2024, 1, 31, 12, 0),
        "on": dt.date(2024, 1, 31),
        "price": Decimal("1.10"),
        "big": float("inf"),
        "doc": {"$date": "not a tag"},
        "list": [1, dt.date(2024, 2, 1)],
    }
    assert decode_cells(encode_cells(cells)) == cells


def test_change_file_ops_are_the_closed_set() -> None:
    assert OPS == ("insert", "update", "delete")
    assert is_op("update") and not is_op("upsert") and not is_op(["update"])
    with pytest.raises(ChangeFileError, match='line 1: "op" must be'):
        parse_changes(['{"op": "upsert", "key": {"id": 1}}'], ["id"])
    (change,) = parse_changes(['{"op": "delete", "key": {"id": 1}}'], ["id"])
    assert change.op == "delete" and change.key == {"id": 1} and change.line == 1


def test_steps_that_can_no_longer_be_redone_are_freed_whole() -> None:
    # a big dropped step is freed on a thread, in slices; a small one at once: both go
    sentinel = SetCell(1, "qty", 1, 2)
    baseline = sys.getrefcount(sentinel)
    for size in (10, FREE_AT_ONCE + 1):
        history = History()
        history.record(UndoStep("fill down", [sentinel] * size))
        assert history.pop_undo() is not None  # now only redo holds it
        history.record(UndoStep("edit", [SetCell(2, "qty", 3, 4)]))  # redo is dropped
        for thread in threading.enumerate():
            if thread.name == "free-steps":
                thread.join(5)
        assert sys.getrefcount(sentinel) == baseline
