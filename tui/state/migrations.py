"""The state schema, one list of statements per version (PRAGMA user_version).

Never edit a released step: add a new one.
"""

from __future__ import annotations

MIGRATIONS: list[list[str]] = [
    [
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
    ],
]
