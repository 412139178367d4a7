"""Intents: each row's request written down before it leaves, its outcome after the answer.

A writeback run (the app's or a `push`) records, per request, one intent per row it
carries (the row, the operation, the values meant for the server) and commits it
before the request is sent; the row's outcome is recorded in the transaction that
audits it. Rows never sent have no intent. Once the writer's process is gone, an
intent with no outcome is a row whose fate is unknown: the next run reads it back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tui.state import liveness
from tui.state.db import Conn, Database, now_us
from tui.state.identity import Identity


@lru_cache(maxsize=1)
def _own_start() -> str | None:
    return liveness.start_token(os.getpid())


@dataclass(frozen=True)
class Writer:
    """The process sending a run's requests, as its liveness is judged."""

    login: str
    host: str
    pid: int
    started: str | None  # liveness.start_token of the process, where it can be read

    @classmethod
    def of(cls, who: Identity) -> Writer:
        own = who.pid == os.getpid()
        return cls(who.login, who.host, who.pid, _own_start() if own else None)

    @property
    def identity(self) -> Identity:
        return Identity(self.login, self.host, self.pid)

    @property
    def owner(self) -> str:
        """Its name as the holder of a writeback's automatic lock (Identity.owner)."""
        return self.identity.owner

    def gone(self, lock_holders: set[str]) -> bool:
        """True only when the process surely ended: on this machine, by its pid and start
        time (liveness.gone); on another, once it no longer holds the destination's lock
        (a writeback sends only under that lock, renewed while it runs)."""
        if liveness.of_this_machine(self.started):
            return liveness.gone(self.pid, self.started)
        return self.owner not in lock_holders


@dataclass(frozen=True)
class Intent:
    run_id: str
    destination: str
    ident: str  # the row's journal name (state.journal.ident_text)
    op: str
    intended: dict[str, Any]  # what the server should hold once it landed
    writer: Writer
    outcome: str | None  # None: sent, no answer recorded (or an answer that could not tell)
    drafted: bool = False  # the run's change set lives in a draft (the app's), not a file


@dataclass(frozen=True)
class Planned:
    """One row of a request about to leave: its name, operation and intended values."""

    ident: str
    op: str
    intended: dict[str, Any]


class Intents:
    def __init__(self, db: Database) -> None:
        self._db = db

    def announce(
        self,
        writer: Writer,
        run_id: str,
        destination: str,
        rows: Iterable[Planned],
        *,
        drafted: bool = False,
    ) -> None:
        """Durable before the request carrying `rows` leaves (one transaction). An older
        intent of this process for the same row is replaced: the row is sent again."""
        rows = list(rows)
        values = [
            (
                run_id,
                destination,
                row.ident,
                row.op,
                json.dumps(row.intended, sort_keys=True, default=str),
                writer.login,
                writer.host,
                writer.pid,
                writer.started,
                now_us(),
                int(drafted),
            )
            for row in rows
        ]
        if not values:
            return
        with self._db.write() as conn:
            conn.executemany(
                "DELETE FROM intents WHERE destination = ? AND ident = ? AND host = ?"
                " AND pid = ? AND run_id <> ?",
                [(destination, row.ident, writer.host, writer.pid, run_id) for row in rows],
            )
            conn.executemany(
                "INSERT INTO intents (run_id, destination, ident, op, intended, login, host,"
                " pid, started, sent_us, drafted, outcome)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)"
                " ON CONFLICT (run_id, destination, ident) DO UPDATE SET"
                " op = excluded.op, intended = excluded.intended, outcome = NULL",
                values,
            )

    def settle_in(
        self, conn: Conn, run_id: str, destination: str, ident: str, outcome: str
    ) -> None:
        """A row's outcome, inside the transaction that audits it. An "unknown" answer
        (the connection cut after sending) leaves the row unknown, to be read back."""
        conn.execute(
            "UPDATE intents SET outcome = ? WHERE run_id = ? AND destination = ? AND ident = ?",
            (None if outcome == "unknown" else outcome, run_id, destination, ident),
        )

    def close_in(self, conn: Conn, run_id: str, destination: str) -> None:
        """The run ended: rows with an outcome are forgotten (the audit and the draft
        keep them); rows whose outcome is unknown stay, for the next run to read back."""
        conn.execute(
            "DELETE FROM intents WHERE run_id = ? AND destination = ? AND outcome IS NOT NULL",
            (run_id, destination),
        )

    def forget_in(self, conn: Conn, runs: Iterable[str], destination: str) -> None:
        """Interrupted runs read back: their rows are audited or held now."""
        conn.executemany(
            "DELETE FROM intents WHERE run_id = ? AND destination = ?",
            [(run, destination) for run in runs],
        )

    def of_run(self, run_id: str, destination: str) -> list[Intent]:
        return self._select("run_id = ? AND destination = ?", (run_id, destination))

    def interrupted(self, destination: str, login: str, *, drafted: bool) -> list[Intent]:
        """The intents of `login`'s runs (the app's: `drafted`, or push's) whose writer is
        gone, in the order sent: those with no outcome are the rows whose fate is unknown."""
        where = "destination = ? AND login = ? AND drafted = ?"
        params: list[object] = [destination, login, int(drafted)]
        found = self._select(where, params)
        holders = {
            owner
            for (owner,) in self._db.read(
                "SELECT owner FROM locks WHERE destination = ? AND expires_us > ?",
                (destination, now_us()),
            )
        }
        alive: dict[Writer, bool] = {}
        for intent in found:
            if intent.writer not in alive:
                alive[intent.writer] = not intent.writer.gone(holders)
        return [i for i in found if not alive[i.writer]]

    def _select(self, where: str, params: Iterable[object]) -> list[Intent]:
        rows = self._db.read(
            "SELECT run_id, destination, ident, op, intended, login, host, pid, started,"
            f" outcome, drafted FROM intents WHERE {where} ORDER BY sent_us, ident",
            tuple(params),
        )
        return [
            Intent(run, dest, ident, op, json.loads(meant), Writer(lo, ho, pid, st), out, bool(dr))
            for run, dest, ident, op, meant, lo, ho, pid, st, out, dr in rows
        ]


def unknown(intents: Iterable[Intent]) -> list[Intent]:
    """Sent, and no answer recorded: never re-send blindly."""
    return [i for i in intents if i.outcome is None]
