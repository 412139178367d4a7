"""Intents: a row's request written down before it leaves; unknown only once its writer
is gone and no outcome was recorded."""

from __future__ import annotations

from tests.support.journal import dead_writer
from tests.support.state_backends import StateBackend
from tests.support.state_support import who
from tui.state.intents import Planned, Writer, unknown

DEST = "products"


def _row(row_id: int, qty: int) -> Planned:
    return Planned(
        f'{{"key": {{"id": {row_id}}}}}', "update", {"key": {"id": row_id}, "set": {"qty": qty}}
    )


def test_only_a_gone_writer_s_rows_without_outcome_are_unknown(state_backend: StateBackend) -> None:
    alive = Writer.of(who("erin"))
    dead = dead_writer("erin")
    with state_backend() as state:
        intents = state.intents
        intents.announce(alive, "run-a", DEST, [_row(1, 10)], drafted=False)
        intents.announce(dead, "run-d", DEST, [_row(2, 20), _row(3, 30), _row(4, 40)])
        with state.db.write() as conn:
            intents.settle_in(conn, "run-d", DEST, '{"key": {"id": 2}}', "done")
            intents.settle_in(conn, "run-d", DEST, '{"key": {"id": 3}}', "unknown")
        cut = intents.interrupted(DEST, "erin", drafted=False)
        assert {i.run_id for i in cut} == {"run-d"}, "a live writer's rows are its own"
        assert [i.ident for i in unknown(cut)] == ['{"key": {"id": 3}}', '{"key": {"id": 4}}']
        assert cut[0].intended == {"key": {"id": 2}, "set": {"qty": 20}}
        assert not intents.interrupted(DEST, "erin", drafted=True)
        assert not intents.interrupted(DEST, "bob", drafted=False)

        # a writer on another machine: gone once it no longer holds the destination's lock
        elsewhere = Writer("erin", "otherhost", 4242, "other-boot:pid:[1]/99")
        intents.announce(elsewhere, "run-x", DEST, [_row(6, 60)])
        state.locks.acquire(DEST, elsewhere.identity, 30)
        assert "run-x" not in {i.run_id for i in intents.interrupted(DEST, "erin", drafted=False)}
        state.locks.release(DEST, elsewhere.identity)
        assert "run-x" in {i.run_id for i in intents.interrupted(DEST, "erin", drafted=False)}
        with state.db.write() as conn:
            intents.forget_in(conn, ["run-x"], DEST)

        with state.db.write() as conn:
            intents.close_in(conn, "run-d", DEST)  # answered rows go, unknown ones stay
        assert [i.ident for i in intents.of_run("run-d", DEST)] == [
            '{"key": {"id": 3}}',
            '{"key": {"id": 4}}',
        ]
        with state.db.write() as conn:
            intents.forget_in(conn, ["run-d"], DEST)
        assert not intents.of_run("run-d", DEST)
        assert len(intents.of_run("run-a", DEST)) == 1


def test_a_row_sent_again_by_the_same_process_replaces_its_older_intent(
    state_backend: StateBackend,
) -> None:
    me = Writer.of(who("erin"))
    with state_backend() as state:
        state.intents.announce(me, "run-1", DEST, [_row(5, 1)])
        state.intents.announce(me, "run-2", DEST, [_row(5, 2)])
        assert not state.intents.of_run("run-1", DEST)
        [again] = state.intents.of_run("run-2", DEST)
        assert again.intended["set"] == {"qty": 2}
