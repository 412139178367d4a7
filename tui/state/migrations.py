"""The state schema, one step per version, with statements per dialect where DDL differs.

SQLite keeps its version in PRAGMA user_version, PostgreSQL in the table
writeback_schema (one row per step applied). Never edit a released step: add
a new one, with `portable(...)` when the same statements serve both.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.state.db import Dialect


@dataclass(frozen=True)
class Migration:
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]

    def statements(self, dialect: Dialect) -> tuple[str, ...]:
        return self.sqlite if dialect == "sqlite" else self.postgres


def portable(*statements: str) -> Migration:
    return Migration(statements, statements)


# pg_advisory_xact_lock(space, key) key spaces, so writeback's locks never meet another's
LOCK_SPACE = 0x57420001  # a key named by Database.write(key): a destination's lease
ORDER_SPACE = 0x57420002  # the audit trail's commit order (key 0)
MIGRATE_SPACE = 0x57420003  # schema migrations (key 0)
NOTIFY_CHANNEL = "writeback_state"

_SQLITE_1 = (
    # one lease per destination; `owner` is who may renew or release it
    """CREATE TABLE locks (
        destination TEXT PRIMARY KEY,
        login TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        owner TEXT NOT NULL,
        manual INTEGER NOT NULL,
        ttl_s REAL NOT NULL,
        since_us INTEGER NOT NULL,
        expires_us INTEGER NOT NULL
    )""",
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at_us INTEGER NOT NULL,
        login TEXT NOT NULL,
        host TEXT NOT NULL,
        ssh_client TEXT,
        destination TEXT NOT NULL,
        integration TEXT,
        event TEXT NOT NULL,
        row_key TEXT,
        before TEXT,
        after TEXT,
        method TEXT,
        url TEXT,
        status INTEGER,
        outcome TEXT,
        error TEXT,
        duration_ms REAL,
        writeback_id TEXT
    )""",
    "CREATE INDEX audit_destination ON audit (destination, id)",
    "CREATE INDEX audit_login ON audit (login, id)",
    "CREATE INDEX audit_at ON audit (at_us)",
    # the change set of a user on a destination, as the table snapshots it
    """CREATE TABLE drafts (
        login TEXT NOT NULL,
        destination TEXT NOT NULL,
        saved_us INTEGER NOT NULL,
        snapshot TEXT NOT NULL,
        PRIMARY KEY (login, destination)
    )""",
    # rows of a writeback under way; an outcome still NULL after a crash is unknown
    """CREATE TABLE inflight (
        login TEXT NOT NULL,
        destination TEXT NOT NULL,
        writeback_id TEXT NOT NULL,
        ident TEXT NOT NULL,
        op TEXT NOT NULL,
        outcome TEXT,
        PRIMARY KEY (login, destination, ident)
    )""",
)

_POSTGRES_1 = (
    """CREATE TABLE locks (
        destination text PRIMARY KEY,
        login text NOT NULL,
        host text NOT NULL,
        pid integer NOT NULL,
        owner text NOT NULL,
        manual integer NOT NULL,
        ttl_s double precision NOT NULL,
        since_us bigint NOT NULL,
        expires_us bigint NOT NULL
    )""",
    """CREATE TABLE audit (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at_us bigint NOT NULL,
        login text NOT NULL,
        host text NOT NULL,
        ssh_client text,
        destination text NOT NULL,
        integration text,
        event text NOT NULL,
        row_key text,
        before text,
        after text,
        method text,
        url text,
        status integer,
        outcome text,
        error text,
        duration_ms double precision,
        writeback_id text
    )""",
    "CREATE INDEX audit_destination ON audit (destination, id)",
    "CREATE INDEX audit_login ON audit (login, id)",
    "CREATE INDEX audit_at ON audit (at_us)",
    """CREATE TABLE drafts (
        login text NOT NULL,
        destination text NOT NULL,
        saved_us bigint NOT NULL,
        snapshot text NOT NULL,
        PRIMARY KEY (login, destination)
    )""",
    """CREATE TABLE inflight (
        login text NOT NULL,
        destination text NOT NULL,
        writeback_id text NOT NULL,
        ident text NOT NULL,
        op text NOT NULL,
        outcome text,
        PRIMARY KEY (login, destination, ident)
    )""",
    # Followers read "entries after id N", so ids must become visible in id order.
    # Sequences alone do not promise that (a transaction may take id 11 and commit
    # before the one holding id 10). A statement-level BEFORE trigger runs before the
    # identity value is drawn: it takes a transaction lock held until commit, so the
    # next writer draws its id only after this one has committed or rolled back.
    f"""CREATE FUNCTION writeback_audit_order() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({ORDER_SPACE}, 0);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER audit_commit_order BEFORE INSERT ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION writeback_audit_order()""",
    # every change of the trail or the locks wakes the followers, at commit
    f"""CREATE FUNCTION writeback_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{NOTIFY_CHANNEL}', TG_TABLE_NAME);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER audit_notify AFTER INSERT OR UPDATE OR DELETE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION writeback_notify()""",
    """CREATE TRIGGER locks_notify AFTER INSERT OR UPDATE OR DELETE ON locks
        FOR EACH STATEMENT EXECUTE FUNCTION writeback_notify()""",
)

# 2: a lock records its process's start token, so a dead holder on this host is seen at once
_2 = portable("ALTER TABLE locks ADD COLUMN started TEXT")


def _sessions(integer: str, big: str, real: str, step_id: str) -> tuple[str, ...]:
    return (
        # each app instance and `push` run; alive per tui.state.sessions
        f"""CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            login TEXT NOT NULL,
            host TEXT NOT NULL,
            pid {integer} NOT NULL,
            tty TEXT NOT NULL,
            started TEXT,
            kind TEXT NOT NULL,
            since_us {big} NOT NULL,
            seen_us {big} NOT NULL,
            lease_s {real} NOT NULL,
            ended_us {big}
        )""",
        "CREATE INDEX sessions_login ON sessions (login, since_us)",
        # a session's draft on a destination: the change set as of step `upto`
        f"""CREATE TABLE session_drafts (
            session TEXT NOT NULL,
            destination TEXT NOT NULL,
            login TEXT NOT NULL,
            upto {big} NOT NULL,
            saved_us {big} NOT NULL,
            snapshot TEXT NOT NULL,
            PRIMARY KEY (session, destination)
        )""",
        "CREATE INDEX session_drafts_login ON session_drafts (login, destination)",
        # the edit steps after it, appended one by one (tui.state.drafts folds them)
        f"""CREATE TABLE draft_steps (
            id {step_id},
            session TEXT NOT NULL,
            destination TEXT NOT NULL,
            at_us {big} NOT NULL,
            step TEXT NOT NULL
        )""",
        "CREATE INDEX draft_steps_session ON draft_steps (session, destination, id)",
        # a draft kept before sessions existed: one ended session per login holds them
        f"""INSERT INTO sessions ({_SESSION_COLUMNS})
            SELECT 'earlier:' || login, login, '', 0, '', NULL, 'app',
                MIN(saved_us), MIN(saved_us), 0, MIN(saved_us)
            FROM drafts GROUP BY login""",
        """INSERT INTO session_drafts (session, destination, login, upto, saved_us, snapshot)
            SELECT 'earlier:' || login, destination, login, 0, saved_us, snapshot FROM drafts""",
        "DROP TABLE drafts",
    )


_SESSION_COLUMNS = "id, login, host, pid, tty, started, kind, since_us, seen_us, lease_s, ended_us"

# 3: one draft per session, kept as a snapshot and the edit steps appended after it
_3 = Migration(
    _sessions(
        "INTEGER", "INTEGER", "REAL", "INTEGER PRIMARY KEY AUTOINCREMENT"
    ),  # ids never reused
    _sessions(
        "integer", "bigint", "double precision", "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    ),
)

# 4: an intent per row before its request leaves, its outcome after the answer (state.intents);
# the writer's process (host, pid, start token) tells whether a row without outcome is unknown
_4 = portable(
    """CREATE TABLE intents (
        run_id TEXT NOT NULL,
        destination TEXT NOT NULL,
        ident TEXT NOT NULL,
        op TEXT NOT NULL,
        intended TEXT NOT NULL,
        login TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started TEXT,
        sent_us BIGINT NOT NULL,
        drafted INTEGER NOT NULL,
        outcome TEXT,
        PRIMARY KEY (run_id, destination, ident)
    )""",
    "CREATE INDEX intents_destination ON intents (destination, login)",
    "DROP TABLE inflight",
)

MIGRATIONS: list[Migration] = [Migration(_SQLITE_1, _POSTGRES_1), _2, _3, _4]
