"""The draft as a log: random edit sequences (undo and redo too), appended step by step,
folded back (with compactions in between) equal what the table holds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.sessions import dead_session_of
from tests.support.state_backends import StateBackend
from tests.support.state_support import who
from tests.support.table_actions import action, make, run
from tui.config.model import Column
from tui.state.draftlog import Compactor, compact, fold, read_draft
from tui.state.journal import ident_text
from tui.table import Table

DEST = "products"
LOGIN = "carol"


def keyless() -> Table:
    t = Table([Column("id", type="integer"), Column("a", min=-1)])
    t.append_page([{"id": i, "a": i % 3, "b": "x"} for i in range(6)])
    return t


def normal(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot as a comparable value: rows by name, new rows in their order."""
    data = json.loads(json.dumps(snapshot, default=str))

    def name(item: dict[str, Any]) -> str:
        return ident_text({"key": item["key"]} if "key" in item else {"row": item["row"]})

    return {
        "next_new": data["next_new"],
        "updates": {name(u): (u["set"], u["was"]) for u in data["updates"]},
        "inserts": data["inserts"],
        "deletes": sorted(name(d) for d in data["deletes"]),
        "errors": {name(e): e["reason"] for e in data["errors"]},
    }


def plain(step: list[Any] | None) -> list[Any]:
    assert step is not None
    return json.loads(json.dumps(step))  # as the journal stores it


@settings(max_examples=300, deadline=None)
@given(st.lists(action, max_size=30), st.sampled_from([make, keyless]), st.integers(0, 30))
def test_the_steps_folded_onto_a_snapshot_equal_the_table(
    actions: list[tuple],
    table: Any,
    checkpoint: int,  # type: ignore[type-arg]
) -> None:
    t = table()
    base: dict[str, Any] | None = None
    log: list[list[Any]] = []
    for i, act in enumerate(actions):
        if i == checkpoint:  # saved whole once, as after a writeback
            base, log = plain([t.take_snapshot()])[0], []
        run(t, act)
        log.append(plain(t.take_steps()))
    folded = fold(base, log)
    assert normal(folded) == normal(t.snapshot())
    again = table()  # restored onto the rows loaded afresh: the same change set
    assert again.restore(folded) == []
    assert normal(again.snapshot()) == normal(t.snapshot())
    assert again.changes() == t.changes()


def test_a_step_costs_what_it_did_not_the_change_set() -> None:
    t = make()
    t.fill_down(list(range(6)), ["a", "b"])
    t.add_row({"a": 1})
    big = t.take_steps()
    t.edit(3, "a", 2)
    [one] = plain(t.take_steps())
    assert one == ["s", {"key": {"id": 3}}, "a", 2, 0, True]
    assert t.take_steps() == []  # taken once
    t.undo()
    assert plain(t.take_steps()) == [["s", {"key": {"id": 3}}, "a", 0, 0, False]]
    assert big is not None and len(big) > 1


def test_a_change_outside_any_step_asks_for_the_whole() -> None:
    t = make()
    t.edit(1, "a", 2)
    t.set_loaded(1, {"a": 0, "b": "y"})
    assert t.take_steps() is None
    whole = t.take_snapshot()
    assert normal(whole) == normal(t.snapshot()) and t.take_steps() == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(action, max_size=20), st.sets(st.integers(0, 20), max_size=3))
def test_restore_reads_the_snapshot_and_the_steps_after_it(
    state_backend: StateBackend,
    actions: list[tuple],
    folds: set[int],  # type: ignore[type-arg]
) -> None:
    store = state_backend()
    session = store.start_session(who(LOGIN)).id
    t = make()
    for i, act in enumerate(actions):
        run(t, act)
        steps = t.take_steps()
        assert steps is not None
        if steps:
            store.journal.append(LOGIN, DEST, steps)
        if i in folds:
            compact(store.db, session, DEST, LOGIN)
    found = read_draft(store.db, session, DEST)
    if not t.dirty:
        assert found is None
        return
    assert found is not None
    assert normal(found[0]) == normal(t.snapshot())
    draft = store.journal.load(LOGIN, DEST)
    assert draft is not None and normal(draft.snapshot) == normal(t.snapshot())


def test_a_fold_in_the_background_keeps_the_steps_appended_meanwhile(
    state_backend: StateBackend,
) -> None:
    store = state_backend()
    session = store.start_session(who(LOGIN)).id
    t = make()
    compactor = Compactor(store.open_another)
    for value in range(200):
        t.edit(value % 6, "a", value)
        store.journal.append(LOGIN, DEST, plain(t.take_steps()))
        if value % 50 == 10:
            compactor.start(session, DEST, LOGIN)
    compactor.wait(30)
    draft = store.journal.load(LOGIN, DEST)
    assert draft is not None and normal(draft.snapshot) == normal(t.snapshot())
    compact(store.db, session, DEST, LOGIN)  # what the folds left, folded: the same draft
    draft = store.journal.load(LOGIN, DEST)
    assert draft is not None and normal(draft.snapshot) == normal(t.snapshot())
    assert store.db.read("SELECT count(*) FROM draft_steps WHERE session = ?", (session,)) == [(0,)]


def test_a_fold_loses_to_the_draft_saved_whole_meanwhile(
    state_backend: StateBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = state_backend()
    session = store.start_session(who(LOGIN)).id
    t = make()
    t.edit(1, "a", 2)
    store.journal.save(LOGIN, DEST, t.take_snapshot())
    t.edit(2, "a", 2)
    store.journal.append(LOGIN, DEST, plain(t.take_steps()))
    folding = fold

    def saved_whole_while_folding(*args: Any) -> dict[str, Any]:
        t.edit(3, "a", 2)  # the app saves the draft whole between the fold's read and write
        store.journal.save(LOGIN, DEST, t.take_snapshot())
        return folding(*args)

    monkeypatch.setattr("tui.state.draftlog.fold", saved_whole_while_folding)
    assert compact(state_backend().db, session, DEST, LOGIN) is False
    monkeypatch.undo()
    draft = store.journal.load(LOGIN, DEST)
    assert draft is not None and normal(draft.snapshot) == normal(t.snapshot())


def test_a_draft_left_before_sessions_is_offered_as_a_gone_sessions(
    state_backend: StateBackend,
) -> None:
    store = state_backend()
    gone = dead_session_of(store, LOGIN)
    t = make()
    t.edit(1, "a", 2)
    with store.db.write() as conn:
        conn.execute(
            "INSERT INTO session_drafts VALUES (?, ?, ?, 0, 1, ?)",
            (gone, DEST, LOGIN, json.dumps(t.snapshot())),
        )
    store.start_session(who(LOGIN))
    [offer] = store.journal.others(LOGIN, DEST)
    assert offer.session.id == gone and not offer.alive


@pytest.mark.parametrize("n", [1, 1000])
def test_bytes_per_edit_do_not_grow_with_the_change_set(n: int) -> None:
    t = Table([Column("id", type="integer")], key=["id"])
    t.append_page([{"id": i, "a": i} for i in range(n + 1)])
    t.fill_down(list(range(n + 1)), ["a"])  # n cells changed, in one step
    t.take_steps()
    t.edit(0, "a", 5)
    assert len(json.dumps(t.take_steps(), separators=(",", ":"))) < 60


def test_steps_written_later_keep_their_order_and_yield_to_a_whole_save(
    state_backend: StateBackend,
) -> None:
    import threading

    store = state_backend()
    store.start_session(who(LOGIN))
    t = make()
    t.fill_down(list(range(6)), ["a", "b"])
    go = threading.Event()
    taken = t.take_ops()
    assert taken is not None

    def slow() -> list[list[object]]:
        assert go.wait(30)
        return taken.encode()

    store.journal.append_later(LOGIN, DEST, slow)  # a big step, on the journal's thread
    assert store.journal.appending()
    t.edit(2, "a", 2)
    later = t.take_ops()
    assert later is not None
    store.journal.append_later(LOGIN, DEST, later.encode)  # queued behind it
    go.set()
    draft = store.journal.load(LOGIN, DEST)  # written first
    assert draft is not None and normal(draft.snapshot) == normal(t.snapshot())
    # a draft saved whole while a step still waits: the step is in it, and never lands after
    go.clear()
    t.edit(3, "a", 2)
    taken = t.take_ops()
    assert taken is not None
    store.journal.append_later(LOGIN, DEST, slow)
    t.edit(4, "a", 2)
    store.journal.save(LOGIN, DEST, t.take_snapshot())
    go.set()
    store.journal.settle()
    assert store.db.read("SELECT count(*) FROM draft_steps") == [(0,)]
    draft = store.journal.load(LOGIN, DEST)
    assert draft is not None and normal(draft.snapshot) == normal(t.snapshot())
