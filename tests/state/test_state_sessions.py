"""Sessions, and one draft per session: a live session's draft is never read, taken or
discarded by another session of the same login; a gone session's is offered back."""

from __future__ import annotations

from tests.support.sessions import dead_session_of, die
from tests.support.state_backends import StateBackend
from tests.support.state_support import who
from tui.state import StateStore
from tui.state.db import now_us
from tui.state.sessions import COLUMNS
from tui.table import Table

DEST = "products"
LOGIN = "carol"


def edited(store: StateStore, row: int, value: int) -> Table:
    t = Table([], key=["id"])
    t.append_page([{"id": i, "qty": i} for i in range(5)])
    t.edit(row, "qty", value)
    steps = t.take_steps()
    assert steps
    store.journal.append(LOGIN, DEST, steps)
    return t


def test_a_session_lives_until_it_ends_or_its_process_is_gone(
    state_backend: StateBackend,
) -> None:
    store = state_backend()
    mine = store.start_session(who(LOGIN))
    assert store.sessions.is_alive(mine.id) and mine.pid > 0 and mine.started
    store.end_session()
    assert not store.sessions.is_alive(mine.id)
    gone = dead_session_of(store, LOGIN)
    assert not store.sessions.is_alive(gone) and not store.sessions.is_alive("no such")
    assert [s.id for s in store.sessions.of_login(LOGIN)] == [mine.id, gone]


def test_another_hosts_session_lives_while_its_lease_is_kept(state_backend: StateBackend) -> None:
    store = state_backend()
    now = now_us()
    with store.db.write() as conn:
        conn.execute(
            f"INSERT INTO sessions ({COLUMNS})"
            " VALUES ('far', ?, 'elsewhere', 7, '', NULL, 'push', ?, ?, 120, NULL)",
            (LOGIN, now - 600_000_000, now - 121_000_000),
        )
    assert not store.sessions.is_alive("far")  # not heard of for longer than its lease
    store.sessions.heartbeat("far")
    assert store.sessions.is_alive("far")
    found = store.sessions.get("far")
    assert found is not None and found.describe().startswith("elsewhere pid 7 since ")


def test_two_sessions_of_one_login_keep_a_draft_each(state_backend: StateBackend) -> None:
    a, b = state_backend(), state_backend()  # two app instances of carol
    session_a = a.start_session(who(LOGIN)).id
    b.start_session(who(LOGIN))
    table_a = edited(a, 1, 100)
    table_b = edited(b, 2, 200)
    draft_a, draft_b = a.journal.load(LOGIN, DEST), b.journal.load(LOGIN, DEST)
    assert draft_a is not None and [u["key"] for u in draft_a.snapshot["updates"]] == [{"id": 1}]
    assert draft_b is not None and [u["key"] for u in draft_b.snapshot["updates"]] == [{"id": 2}]
    # b sees a's draft only as another session's, alive: not to be taken or discarded
    [other] = b.journal.others(LOGIN, DEST)
    assert other.session.id == session_a and other.alive
    assert not b.journal.take_over(LOGIN, session_a, DEST)
    with b.db.write() as conn:
        b.journal.discard_in(conn, LOGIN, DEST)  # b's Discard: b's draft alone
    assert b.journal.load(LOGIN, DEST) is None
    assert a.journal.load(LOGIN, DEST) == draft_a
    # a edits on; b's next edit does not touch it
    table_a.edit(3, "qty", 300)
    a.journal.append(LOGIN, DEST, table_a.take_steps() or [])
    edited(b, 4, 400)
    draft_a = a.journal.load(LOGIN, DEST)
    assert draft_a is not None
    assert [u["key"] for u in draft_a.snapshot["updates"]] == [{"id": 1}, {"id": 3}]
    assert table_b.dirty
    # a is killed: its draft is offered to b, and taken over only while b has none here
    die(a, session_a)
    [other] = b.journal.others(LOGIN, DEST)
    assert not other.alive
    assert not b.journal.take_over(LOGIN, session_a, DEST)  # b holds a draft: never merged
    with b.db.write() as conn:
        b.journal.discard_in(conn, LOGIN, DEST)
    assert b.journal.take_over(LOGIN, session_a, DEST)
    assert b.journal.load(LOGIN, DEST) == draft_a
    assert b.journal.others(LOGIN, DEST) == []


def test_a_gone_sessions_draft_is_discarded_by_name_only(state_backend: StateBackend) -> None:
    a, b = state_backend(), state_backend()
    session_a = a.start_session(who(LOGIN)).id
    edited(a, 1, 100)
    b.start_session(who(LOGIN))
    edited(b, 2, 200)
    die(a, session_a)
    with b.db.write() as conn:
        b.journal.discard_in(conn, LOGIN, DEST, session_a)
    assert b.journal.others(LOGIN, DEST) == [] and b.journal.load(LOGIN, DEST) is not None


def test_a_draft_kept_before_sessions_is_offered_after_the_upgrade(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import sqlite3

    from tui.state.migrations import MIGRATIONS

    path = tmp_path / "state.db"
    snapshot = {
        "format": 1,
        "key": ["id"],
        "next_new": -1,
        "updates": [{"key": {"id": 1}, "set": {"qty": 5}, "was": {"qty": 1}}],
        "inserts": [],
        "deletes": [],
        "errors": [],
    }
    with sqlite3.connect(path) as db:  # a state file of the release before sessions
        for step in MIGRATIONS[:2]:
            for statement in step.statements("sqlite"):
                db.execute(statement)
        db.execute("PRAGMA user_version = 2")
        db.execute("INSERT INTO drafts VALUES (?, ?, 7, ?)", (LOGIN, DEST, json.dumps(snapshot)))
    db.close()
    with StateStore(path) as store:
        store.start_session(who(LOGIN))
        [offer] = store.journal.others(LOGIN, DEST)
        assert not offer.alive and offer.saved_us == 7
        assert store.journal.load_of(offer.session.id, LOGIN, DEST).snapshot == snapshot
        assert store.journal.take_over(LOGIN, offer.session.id, DEST)
        draft = store.journal.load(LOGIN, DEST)
        assert draft is not None and draft.snapshot == snapshot
