"""The change set in the JSON Lines shape of `push --changes`, and the diff of `push --rows`."""

from __future__ import annotations

import json

import pytest

from tui.config.model import Column
from tui.table import ChangeFileError, ChangeSet, RowState, Table, diff_rows, parse_changes


def make() -> Table:
    t = Table([Column("id", type="integer"), Column("qty", type="integer", min=0)], key=["id"])
    t.append_page([{"id": i, "name": f"n{i}", "qty": i * 10} for i in range(1, 6)])
    return t


def jsonl(changes: ChangeSet) -> str:
    """The change set as a change file, in the lines the journal's discard entry keeps."""
    return "".join(json.dumps(c.to_json(keyed=changes.keyed)) + "\n" for c in changes)


def test_export_shape() -> None:
    t = make()
    t.edit(t.find({"id": 2}), "qty", 25)  # type: ignore[arg-type]
    t.add_row({"id": 101, "name": "new", "qty": 1})
    t.delete_rows([t.find({"id": 4})])  # type: ignore[list-item]
    lines = [json.loads(x) for x in jsonl(t.changes()).splitlines()]
    assert lines == [
        {"op": "insert", "values": {"id": 101, "name": "new", "qty": 1}},
        {"op": "update", "key": {"id": 2}, "set": {"qty": 25}, "was": {"qty": 20}},
        {"op": "delete", "key": {"id": 4}},
    ]


def test_jsonl_round_trip_onto_a_fresh_load() -> None:
    t = make()
    t.edit(0, "qty", 11)
    t.edit(0, "name", "renamed")
    t.add_row({"id": 9, "name": "x"})
    t.delete_rows([2])
    text = jsonl(t.changes())
    fresh = make()
    assert fresh.apply_changes(parse_changes(text.splitlines(), ["id"])) == []
    assert jsonl(fresh.changes()) == text
    fresh.undo()
    assert not fresh.dirty  # the whole file was one undo step


def test_rows_without_keys_use_row_numbers() -> None:
    t = Table()
    t.append_page([{"a": 1}, {"a": 2}])
    t.edit(1, "a", 3)
    t.delete_rows([0])
    text = jsonl(t.changes())
    assert [json.loads(x) for x in text.splitlines()] == [
        {"op": "update", "row": 1, "set": {"a": 3}, "was": {"a": 2}},
        {"op": "delete", "row": 0},
    ]
    again = Table()
    again.append_page([{"a": 1}, {"a": 2}])
    assert again.apply_changes(parse_changes(text.splitlines(), [])) == []
    assert again.changes() == t.changes()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "{nope",
            "line 2: not JSON (Expecting property name enclosed in double quotes at column 2)",
        ),
        ("[1]", "line 2: expected a JSON object"),
        ('{"op": "upsert"}', 'line 2: "op" must be "insert", "update" or "delete", not \'upsert\''),
        ('{"op": "update", "key": {"id": 1}}', 'line 2: update needs "set"'),
        ('{"op": "update", "set": {"qty": 1}}', 'line 2: update needs "key"'),
        ('{"op": "update", "key": {"id": 1}, "set": {}}', 'line 2: "set" is empty'),
        ('{"op": "update", "key": {"id": 1}, "set": 5}', 'line 2: "set" must be an object'),
        (
            '{"op": "delete", "key": {"id": 1}, "set": {"a": 1}}',
            'line 2: unknown field "set" in delete',
        ),
        ('{"op": "delete", "key": {}}', "line 2: key needs id"),
        (
            '{"op": "delete", "key": {"id": 1, "x": 2}}',
            "line 2: key has x, not a key column (key: id)",
        ),
        ('{"op": "delete", "key": {"id": null}}', "line 2: key id must be a plain value, not null"),
        ('{"op": "insert"}', 'line 2: insert needs "values"'),
    ],
)
def test_bad_lines_name_the_line(line: str, message: str) -> None:
    text = ['{"op": "delete", "key": {"id": 1}}', line]
    with pytest.raises(ChangeFileError) as err:
        parse_changes(text, ["id"])
    assert str(err.value) == message


def test_blank_lines_are_skipped_but_counted() -> None:
    with pytest.raises(ChangeFileError, match="^line 3:"):
        parse_changes(['{"op": "delete", "key": {"id": 1}}', "", "x"], ["id"])


def test_changes_that_do_not_fit_the_rows_are_rejected_with_reasons() -> None:
    t = make()
    lines = [
        '{"op": "update", "key": {"id": 99}, "set": {"qty": 1}}',
        '{"op": "update", "key": {"id": 1}, "set": {"qty": 70}, "was": {"qty": 30}}',
        '{"op": "update", "key": {"id": 1}, "set": {"id": 7}}',
        '{"op": "insert", "values": {"id": 2, "qty": 1}}',
        '{"op": "insert", "values": {"nope": 1}}',
        '{"op": "update", "key": {"id": "3"}, "set": {"qty": 31}}',
    ]
    rejected = t.apply_changes(parse_changes(lines, ["id"]))
    assert [str(r) for r in rejected] == [
        "line 1: no row with key id=99",
        "line 2: conflict: qty is 10 on the server, the change expected 30",
        "line 3: id is a key column; keys of loaded rows cannot change",
        "line 4: a row with key id=2 exists",
        "line 5: no column nope",
    ]
    assert t.value(t.find({"id": 3}), "qty") == 31  # type: ignore[arg-type]
    assert t.changes().summary() == "change 1 value"


def test_summary_counts_values_and_rows() -> None:
    assert ChangeSet().summary() == "no changes"


def test_diff_to_desired_rows() -> None:
    t = make()
    desired = [
        {"id": "1", "name": "n1", "qty": "10"},  # CSV text equal to the loaded values
        {"id": "2", "name": "n2", "qty": "21"},
        {"id": "3", "name": "", "qty": "30"},  # empty text for a text value is a change
        {"id": "5", "name": "n5", "qty": "50"},
        {"id": "8", "name": "new", "qty": "1"},
    ]
    changes = diff_rows(t, desired, first_line=2)
    assert [(c.op, c.key, c.set, c.values, c.line) for c in changes] == [
        ("update", {"id": 2}, {"qty": 21}, {}, 3),
        ("update", {"id": 3}, {"name": ""}, {}, 4),
        ("insert", {}, {}, {"id": 8, "name": "new", "qty": 1}, 6),
        ("delete", {"id": 4}, {}, {}, None),
    ]
    assert t.apply_changes(changes) == []
    assert str(t.counts()) == "2 changed, 1 new, 1 deleted"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"id": 1}, {"id": 1}], "line 2: the same key as line 1"),
        ([{"id": 77}, {"id": 77}], "line 2: the same key as line 1"),
        ([{"qty": 1}], "line 1: no value for key id"),
        ([{"id": 1, "colour": "red"}], "line 1: unknown column colour"),
    ],
)
def test_diff_errors(rows: list[dict[str, object]], message: str) -> None:
    with pytest.raises(ChangeFileError) as err:
        diff_rows(make(), rows)
    assert str(err.value) == message


def test_diff_needs_keys() -> None:
    with pytest.raises(ChangeFileError, match="no key columns"):
        diff_rows(Table(), [{"a": 1}])


def test_applied_diff_marks_rows() -> None:
    t = make()
    t.apply_changes(diff_rows(t, [{"id": 1, "qty": 1}]))
    assert t.state(0) is RowState.CHANGED
    assert all(t.state(r) is RowState.DELETED for r in range(1, 5))
