"""Editing: the change set as an overlay, un-marking, protection, validation, undo/redo."""

from __future__ import annotations

import pytest

from tui.config.model import Column
from tui.table import EditRefused, RowState, Table

COLUMNS = [
    Column("id", type="integer"),
    Column("name", required=True),
    Column("qty", type="integer", min=0, max=1000),
    Column("status", type="choice", choices=("active", "paused")),
    Column("code", pattern="[A-Z]{3}"),
    Column("created", read_only=True),
]


def make(rows: int = 5, **kwargs: object) -> Table:
    table = Table(COLUMNS, key=["id"], **kwargs)  # type: ignore[arg-type]
    table.append_page(
        [
            {
                "id": i,
                "name": f"n{i}",
                "qty": i * 10,
                "status": "active",
                "code": "ABC",
                "created": "2024-01-01",
            }
            for i in range(rows)
        ]
    )
    return table


def test_edit_marks_the_cell_and_editing_back_unmarks_it() -> None:
    t = make()
    assert t.edit(1, "qty", 11)
    assert t.value(1, "qty") == 11 and t.loaded_value(1, "qty") == 10
    assert t.cell_state(1, "qty") is RowState.CHANGED and t.state(1) is RowState.CHANGED
    assert t.cell_state(1, "name") is RowState.CLEAN
    t.edit(1, "qty", 10)
    assert t.cell_state(1, "qty") is RowState.CLEAN and t.state(1) is RowState.CLEAN
    assert not t.dirty and not t.changes()


def test_number_equal_to_the_loaded_one_is_no_change_but_text_is() -> None:
    t = make()
    t.edit(1, "qty", 10.0)
    assert not t.dirty
    t.edit(1, "qty", "10")
    assert t.dirty


def test_edit_to_the_same_value_records_no_undo_step() -> None:
    t = make()
    assert not t.edit(1, "qty", 10)
    assert t.history.undo_label is None


def test_edit_text_parses_by_column_type() -> None:
    t = make()
    t.edit_text(1, "qty", " 42 ")
    assert t.value(1, "qty") == 42
    t.edit_text(1, "qty", "lots")
    assert t.value(1, "qty") == "lots"
    assert t.cell_state(1, "qty") is RowState.INVALID
    assert t.cell_error(1, "qty") == "must be an integer"
    t.edit_text(1, "qty", "")
    assert t.value(1, "qty") is None


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("qty", -1, "must be at least 0"),
        ("qty", 1001, "must be at most 1000"),
        ("qty", "x", "must be an integer"),
        ("status", "gone", "must be one of: active, paused"),
        ("code", "ABCD", "must match [A-Z]{3}"),
        ("code", "abc", "must match [A-Z]{3}"),
        ("name", "", "required"),
        ("name", None, "required"),
    ],
)
def test_validation_messages_per_cell(column: str, value: object, message: str) -> None:
    t = make()
    t.edit(2, column, value)
    assert t.cell_error(2, column) == message
    assert t.state(2) is RowState.INVALID
    assert t.problems() == [f"row id=2, {column}: {message}"]
    assert t.counts().invalid == 1


def test_fixing_a_value_clears_its_message() -> None:
    t = make()
    t.edit(2, "qty", -5)
    t.edit(2, "qty", 5)
    assert t.cell_error(2, "qty") is None and t.problems() == []


def test_unchanged_loaded_values_are_not_judged() -> None:
    t = Table(COLUMNS, key=["id"])
    t.append_page([{"id": 1, "name": "", "qty": -3}])
    assert t.problems() == [] and t.cell_state(0, "qty") is RowState.CLEAN


def test_key_and_read_only_columns_are_protected_in_loaded_rows() -> None:
    t = make()
    assert t.editable(0, "id") == "id is a key column; keys of loaded rows cannot change"
    assert t.editable(0, "created") == "created is read-only"
    with pytest.raises(EditRefused, match="key column"):
        t.edit(0, "id", 99)
    with pytest.raises(EditRefused, match="read-only"):
        t.edit(0, "created", "x")
    assert not t.dirty


def test_new_rows_take_keys_unless_the_server_assigns_them() -> None:
    t = make()
    row = t.add_row({"name": "new"})
    assert t.editable(row, "id") is None
    assert t.cell_error(row, "id") == "required"
    t.edit(row, "id", 3)
    assert t.cell_error(row, "id") == "a row with key id=3 exists"
    t.edit(row, "id", 100)
    assert t.cell_error(row, "id") is None
    assert t.editable(row, "created") == "created is read-only"

    server = Table([Column("id", type="integer", read_only=True), Column("name")], key=["id"])
    row = server.add_row({"name": "x"})
    assert server.editable(row, "id") == "id is assigned by the server"
    assert server.problems() == []
    with pytest.raises(EditRefused, match="assigned by the server"):
        server.add_row({"id": 5})


def test_two_new_rows_with_the_same_key_are_both_flagged_until_one_changes() -> None:
    t = make()
    a = t.add_row({"id": 50, "name": "a"})
    b = t.add_row({"id": 50, "name": "b"})
    assert t.cell_error(a, "id") == t.cell_error(b, "id") == "another new row has key id=50"
    t.edit(b, "id", 51)
    assert t.cell_error(a, "id") is None and t.cell_error(b, "id") is None


def test_a_read_only_table_refuses_everything_with_its_reason() -> None:
    t = make(read_only="locked by alice")
    for action in (
        lambda: t.edit(0, "qty", 1),
        lambda: t.add_row({}),
        lambda: t.delete_rows([0]),
    ):
        with pytest.raises(EditRefused, match="locked by alice"):
            action()


def test_deleted_rows_keep_their_values_and_can_be_undeleted() -> None:
    t = make()
    t.edit(1, "qty", 99)
    assert t.delete_rows([1, 1, 2]) == 2
    assert t.state(1) is RowState.DELETED and t.cell_state(1, "name") is RowState.DELETED
    assert t.value(1, "qty") == 99 and t.row_count == 5
    assert t.editable(1, "qty") == "the row is deleted; undelete it to edit"
    assert str(t.counts()) == "2 deleted"
    assert [c.op for c in t.changes()] == ["delete", "delete"]
    t.undelete_rows([1])
    assert t.state(1) is RowState.CHANGED and t.value(1, "qty") == 99
    assert str(t.counts()) == "1 changed, 1 deleted"


def test_deleting_a_new_row_simply_drops_it() -> None:
    t = make()
    row = t.add_row({"id": 10, "name": "x"})
    t.edit(row, "qty", 5)
    assert t.state(row) is RowState.NEW and t.row_count == 6
    t.delete_rows([row])
    assert not t.exists(row) and t.row_count == 5 and not t.dirty
    assert t.problems() == []
    t.undo()
    assert t.exists(row) and t.value(row, "qty") == 5 and t.value(row, "name") == "x"


def test_new_rows_keep_their_place_through_undo() -> None:
    t = make(2)
    a, b, c = (t.add_row({"id": 10 + i, "name": "x"}) for i in range(3))
    assert t.visible_rows(0, 10) == [0, 1, a, b, c]
    t.delete_rows([b])
    assert t.visible_rows(0, 10) == [0, 1, a, c]
    t.undo()
    assert t.visible_rows(0, 10) == [0, 1, a, b, c]
    d = t.add_row({"id": 20, "name": "y"}, position=0)
    assert t.visible_rows(2, 3) == [d]


def test_undo_and_redo_of_every_kind_of_edit() -> None:
    t = make()
    t.edit(0, "qty", 1)
    new = t.add_row({"id": 9, "name": "z"})
    t.edit(new, "qty", 7)
    t.delete_rows([1, new])
    t.fill_down([2, 3, 4], ["qty", "status"])
    t.paste([3, 4], ["name", "qty"], [["p", 1], ["q", 2]])
    t.undelete_rows([1])
    t.revert_rows([0])
    after = t.changes()
    steps = []
    while (step := t.undo()) is not None:
        steps.append(step.label)
    assert steps == [
        "revert 1 row",
        "undelete 1 row",
        "paste 2x2",
        "fill down",
        "delete 2 rows",
        "edit qty",
        "add row",
        "edit qty",
    ]
    assert not t.dirty and t.changes().changes == ()
    assert all(t.state(r) is RowState.CLEAN for r in range(5))
    while t.redo() is not None:
        pass
    assert t.changes() == after


def test_a_new_edit_forgets_redo() -> None:
    t = make()
    t.edit(0, "qty", 1)
    t.undo()
    t.edit(0, "qty", 2)
    assert t.redo() is None and t.value(0, "qty") == 2


def test_paste_of_a_block_is_one_undo_step_and_parses_text() -> None:
    t = make()
    n = t.paste(
        [1, 2, 3],
        ["qty", "status"],
        [["5", "paused"], ["6", "active"], ["x", "paused"]],
        parse=True,
    )
    assert n == 3
    assert [t.value(r, "qty") for r in (1, 2, 3)] == [5, 6, "x"]
    assert t.cell_error(3, "qty") == "must be an integer"
    step = t.undo()
    assert step is not None and step.rows == [1, 2, 3]
    assert not t.dirty and t.problems() == []


def test_paste_into_a_protected_cell_changes_nothing() -> None:
    t = make()
    with pytest.raises(EditRefused, match="key column"):
        t.paste([1, 2], ["qty", "id"], [[1, 1], [2, 2]])
    assert not t.dirty and t.history.undo_label is None


def test_paste_larger_than_the_target_is_refused() -> None:
    t = make()
    with pytest.raises(EditRefused, match="the block is 2x1"):
        t.paste([1], ["qty"], [[1], [2]])


def test_fill_down_copies_the_first_row_and_is_one_step() -> None:
    t = make()
    t.fill_down([4, 0, 2], ["qty"])
    assert [t.value(r, "qty") for r in (4, 0, 2)] == [40, 40, 40]
    assert t.counts().changed_values == 2
    t.undo()
    assert not t.dirty


def test_counts_and_summary() -> None:
    t = make()
    t.edit(0, "qty", 1)
    t.edit(0, "name", "a")
    t.edit(1, "qty", 2)
    t.add_row({"id": 7, "name": "x"})
    t.add_row({"id": 8, "name": "y"})
    t.delete_rows([3])
    assert str(t.counts()) == "2 changed, 2 new, 1 deleted"
    assert t.changes().summary() == "add 2 rows, change 3 values, delete 1 row"
    assert make().changes().summary() == "no changes"


def test_table_from_a_destination() -> None:
    from tui.config.model import Destination

    dest = Destination(
        "d", "i", "/p", key=("id",), read_only=True, columns={"qty": Column("qty", min=0)}
    )
    t = Table.for_destination(dest)
    assert t.key == ("id",) and t.columns == ["id", "qty"]
    assert t.read_only == "the destination is read-only"
