"""Random edit sequences on a small table, for the property tests of the table and the
draft journal."""

from __future__ import annotations

from hypothesis import strategies as st

from tui.config.model import Column
from tui.table import EditRefused, Table

COLUMNS = ["id", "a", "b"]
VALUES = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(["x", "y", ""]))

action = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 9), st.sampled_from(COLUMNS), VALUES),
    st.tuples(st.just("add"), VALUES),
    st.tuples(st.just("delete"), st.lists(st.integers(0, 9), max_size=3)),
    st.tuples(st.just("undelete"), st.lists(st.integers(0, 9), max_size=3)),
    st.tuples(st.just("fill"), st.lists(st.integers(0, 9), min_size=2, max_size=4)),
    st.tuples(st.just("paste"), st.integers(0, 9), st.lists(VALUES, min_size=1, max_size=4)),
    st.tuples(st.just("revert"), st.integers(0, 9)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
)


def make() -> Table:
    t = Table([Column("id", type="integer"), Column("a", min=-1)], key=["id"])
    t.append_page([{"id": i, "a": i % 3, "b": "x"} for i in range(6)])
    return t


def rows(t: Table) -> list[int]:
    return t.visible_rows(0, t.visible_count)


def run(t: Table, act: tuple) -> None:  # type: ignore[type-arg]
    kind, *args = act
    present = rows(t)
    pick = lambda i: present[i % len(present)]  # noqa: E731
    try:
        if kind == "edit":
            t.edit(pick(args[0]), args[1], args[2])
        elif kind == "add":
            t.add_row({"a": args[0]})
        elif kind == "delete":
            t.delete_rows([pick(i) for i in args[0]])
        elif kind == "undelete":
            t.undelete_rows([pick(i) for i in args[0]])
        elif kind == "fill":
            t.fill_down(list(dict.fromkeys(pick(i) for i in args[0])), ["a", "b"])
        elif kind == "paste":
            start = present.index(pick(args[0]))
            block = [[v, v] for v in args[1]][: len(present) - start]
            t.paste(present[start : start + len(block)], ["a", "b"], block)
        elif kind == "revert":
            t.revert_rows([pick(args[0])])
        elif kind == "undo":
            t.undo()
        else:
            t.redo()
    except EditRefused:
        pass
