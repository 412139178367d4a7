"""Random edit sequences: undo all returns to no changes, redo all to the same changes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.table_actions import action, make, rows, run


@settings(max_examples=150, deadline=None)
@given(st.lists(action, max_size=25))
def test_undo_all_then_redo_all(actions: list[tuple]) -> None:  # type: ignore[type-arg]
    t = make()
    for act in actions:
        run(t, act)
    while t.redo() is not None:  # the newest state the history knows
        pass
    before = (t.changes(), t.problems(), rows(t), [t.record(r) for r in rows(t)])
    while t.undo() is not None:
        pass
    assert not t.changes() and not t.dirty and t.problems() == []
    assert t.counts().changed_values == 0
    assert rows(t) == list(range(6))
    assert all(t.record(r) == t.loaded_record(r) for r in range(6))
    while t.redo() is not None:
        pass
    assert (t.changes(), t.problems(), rows(t), [t.record(r) for r in rows(t)]) == before


@settings(max_examples=60, deadline=None)
@given(st.lists(action, max_size=20))
def test_snapshot_restore_round_trip(actions: list[tuple]) -> None:  # type: ignore[type-arg]
    t = make()
    for act in actions:
        run(t, act)
    fresh = make()
    assert fresh.restore(t.snapshot()) == []
    assert fresh.changes() == t.changes()
    assert fresh.problems() == t.problems()
    assert fresh.counts() == t.counts()
