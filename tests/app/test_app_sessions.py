"""The app as one session: another live session's draft is named and left alone; a gone
session's draft is offered back, and Discard throws away that draft only."""

from __future__ import annotations

from pathlib import Path

from tests.support.app import ALICE, app_for, loaded, wait_until
from tests.support.sessions import die
from tui.app.screens.restore import RestoreScreen
from tui.state import StateStore
from tui.table import Table


def other_session_draft(path: Path, qty: int) -> tuple[StateStore, str]:
    """Another app instance of alice with an edit on products: its store and session."""
    other = StateStore(path)
    session = other.start_session(ALICE).id
    t = Table([], key=["id"])
    t.append_page([{"id": 1, "qty": 0}])
    t.edit(0, "qty", qty)
    other.journal.append(ALICE.login, "products", t.take_steps() or [])
    return other, session


async def test_a_live_sessions_draft_is_named_not_offered(config: Path, state: StateStore) -> None:
    other, session = other_session_draft(config.parent / "state.db", 4242)
    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        await wait_until(
            pilot,
            lambda: any("another session of yours" in n.message for n in app._notifications),
            what="the other session named",
        )
        [note] = [n.message for n in app._notifications if "another session" in n.message]
        assert "has unsaved changes on products" in note and f"pid {other.session.pid}" in note
        assert not isinstance(app.screen, RestoreScreen)
        assert not app.grid.table.dirty
        app.bench.ws.discard()  # this session's Discard: the other's draft stays
    assert other.journal.load(ALICE.login, "products") is not None
    other.close()


async def test_a_gone_sessions_draft_is_offered_and_discarded_alone(
    config: Path, state: StateStore
) -> None:
    other, session = other_session_draft(config.parent / "state.db", 4242)
    live, _ = other_session_draft(config.parent / "state.db", 4343)
    die(other, session)
    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, RestoreScreen), what="the offer")
        assert "a session that ended" in str(app.screen.message)
        await pilot.click("#choice-1")  # Discard
        await wait_until(pilot, lambda: not isinstance(app.screen, RestoreScreen), what="closed")
        assert not app.grid.table.dirty
    assert [d.alive for d in state.journal.others(ALICE.login, "products")] == [True]
    assert live.journal.load(ALICE.login, "products") is not None
    live.close()
    other.close()


async def test_gone_sessions_drafts_are_offered_one_by_one(config: Path, state: StateStore) -> None:
    first, first_id = other_session_draft(config.parent / "state.db", 4242)
    second, second_id = other_session_draft(config.parent / "state.db", 4343)
    die(first, first_id)
    die(second, second_id)
    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, RestoreScreen), what="1st offer")
        pids = [state.sessions.get(s).pid for s in (first_id, second_id)]  # type: ignore[union-attr]
        assert f"pid {pids[0]} " in str(app.screen.message)  # the oldest first
        await pilot.click("#choice-1")  # Discard the first
        await wait_until(
            pilot,
            lambda: f"pid {pids[1]} " in str(getattr(app.screen, "message", "")),
            what="2nd offer",
        )
        await pilot.click("#choice-0")  # Restore the second
        await wait_until(pilot, lambda: app.grid.table.dirty, what="restored")
        table = app.grid.table
        assert table.value(table.find({"id": 1}), "qty") == 4343
        assert state.journal.others(ALICE.login, "products") == []
    first.close()
    second.close()
