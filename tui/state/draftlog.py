"""A draft as a log: a snapshot of the change set, then edit steps appended one by one.

The steps are tui.table's `take_steps()` records, plain data naming rows as a
snapshot does (by key, new rows by their id), so they replay onto the rows as
loaded again. `fold` replays them as data, without a table: restoring reads
the snapshot and the steps after it; `compact` folds a session's steps into its
snapshot, on a connection of its own, off the thread that edits.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from tui.state.db import Database, now_us

SNAPSHOT_FORMAT = 1  # tui.table.changeset's; the state does not import the table
COMPACT_STEPS = 500  # steps appended after which a draft is folded anew
COMPACT_BYTES = 4 << 20  # or bytes
INLINE_OPS = 5_000  # a step of more operations is encoded and written off the editing thread


def _text(ident: Any) -> str:
    """A row's name while folding: the table writes a key's columns in one order always."""
    return repr(ident)


def empty_snapshot() -> dict[str, Any]:
    return {
        "format": SNAPSHOT_FORMAT,
        "key": [],
        "next_new": -1,
        "updates": [],
        "inserts": [],
        "deletes": [],
        "errors": [],
    }


def fold(snapshot: dict[str, Any] | None, steps: Iterable[list[Any]]) -> dict[str, Any]:
    """The change set after replaying `steps` onto `snapshot` (None: an empty one)."""
    base = snapshot or empty_snapshot()
    updates: dict[str, dict[str, Any]] = {}
    for item in base.get("updates", []):
        updates[_text(_ident(item))] = {
            **item,
            "set": dict(item["set"]),
            "was": dict(item.get("was", {})),
        }
    inserts: list[list[Any]] = [[i["row"], dict(i["values"])] for i in base.get("inserts", [])]
    deletes = {_text(i): i for i in base.get("deletes", [])}
    errors = {_text(_ident(i)): i for i in base.get("errors", [])}
    next_new = int(base.get("next_new", -1))
    where: dict[int, list[Any]] = {item[0]: item for item in inserts}
    for step in steps:
        for record in step:
            kind = record[0]
            if kind == "s":
                _, ident, column, value, loaded, changed = record
                name = _text(ident)
                if changed:
                    item = updates.get(name) or updates.setdefault(
                        name, {**ident, "set": {}, "was": {}}
                    )
                    item["set"][column] = value
                    item["was"][column] = loaded
                elif name in updates:
                    item = updates[name]
                    item["set"].pop(column, None)
                    item["was"].pop(column, None)
                    if not item["set"]:
                        del updates[name]
            elif kind == "n":
                _, row, column, value = record
                where[row][1][column] = value
            elif kind == "a":
                _, row, position, values = record
                item = [row, dict(values)]
                if row in where:
                    inserts.remove(where[row])
                inserts.insert(position, item)
                where[row] = item
                next_new = min(next_new, row - 1)
            elif kind == "r":
                inserts.remove(where.pop(record[1]))
                errors.pop(_text({"row": record[1]}), None)
            elif kind == "d":
                deletes[_text(record[1])] = record[1]
            elif kind == "u":
                deletes.pop(_text(record[1]), None)
            elif kind == "e":
                errors.pop(_text(record[1]), None)
            else:
                raise ValueError(f"unknown draft step record {kind!r}")
    return {
        **base,
        "next_new": next_new,
        "updates": list(updates.values()),
        "inserts": [{"row": row, "values": values} for row, values in inserts],
        "deletes": list(deletes.values()),
        "errors": list(errors.values()),
    }


def _ident(item: dict[str, Any]) -> dict[str, Any]:
    return {"key": item["key"]} if "key" in item else {"row": item["row"]}


def _read(
    db: Database, session: str, destination: str
) -> tuple[tuple[Any, ...] | None, list[tuple[Any, ...]]]:
    base = db.read(
        "SELECT upto, saved_us, snapshot FROM session_drafts WHERE session = ? AND destination = ?",
        (session, destination),
    )
    upto = base[0][0] if base else 0
    steps = db.read(
        "SELECT id, at_us, step FROM draft_steps WHERE session = ? AND destination = ?"
        " AND id > ? ORDER BY id",
        (session, destination, upto),
    )
    return (tuple(base[0]) if base else None), [tuple(s) for s in steps]


def read_draft(db: Database, session: str, destination: str) -> tuple[dict[str, Any], int] | None:
    """A session's draft on a destination, folded, and when it was last saved; None when
    it has none or nothing is left changed."""
    base, steps = _read(db, session, destination)
    if base is None and not steps:
        return None
    snapshot = fold(json.loads(base[2]) if base else None, (json.loads(s[2]) for s in steps))
    if not any(snapshot.get(part) for part in ("updates", "inserts", "deletes")):
        return None
    saved = max(base[1] if base else 0, steps[-1][1] if steps else 0)
    return snapshot, saved


def compact(db: Database, session: str, destination: str, login: str) -> bool:
    """Fold a session's steps into its snapshot; False when there was nothing to fold or
    the draft was saved whole meanwhile (the fold is then out of date and dropped)."""
    base, steps = _read(db, session, destination)
    if not steps:
        return False
    snapshot = fold(json.loads(base[2]) if base else None, (json.loads(s[2]) for s in steps))
    upto, text = steps[-1][0], json.dumps(snapshot, default=str)
    with db.write() as conn:
        if base is None:
            done = conn.execute(
                "INSERT INTO session_drafts (session, destination, login, upto, saved_us,"
                " snapshot) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session, destination)"
                " DO NOTHING",
                (session, destination, login, upto, now_us(), text),
            ).rowcount
        else:
            done = conn.execute(
                "UPDATE session_drafts SET upto = ?, saved_us = ?, snapshot = ?"
                " WHERE session = ? AND destination = ? AND upto = ? AND saved_us = ?",
                (upto, now_us(), text, session, destination, base[0], base[1]),
            ).rowcount
        if done != 1:
            return False
        conn.execute(
            "DELETE FROM draft_steps WHERE session = ? AND destination = ? AND id <= ?",
            (session, destination, upto),
        )
    return True


class Compactor:
    """Folds drafts in the background, one at a time, each on a connection of its own."""

    def __init__(self, open_db: Callable[[], Database]) -> None:
        self._open_db = open_db
        self._busy = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, session: str, destination: str, login: str) -> bool:
        """Fold in a thread; False while a fold is under way already."""
        if not self._busy.acquire(blocking=False):
            return False
        self._thread = threading.Thread(
            target=self._run, args=(session, destination, login), name="compact-draft", daemon=True
        )
        self._thread.start()
        return True

    def _run(self, session: str, destination: str, login: str) -> None:
        try:
            db = self._open_db()
            try:
                compact(db, session, destination, login)
            finally:
                db.close()
        except Exception:  # noqa: BLE001 - the steps stay and are folded by the next one
            pass
        finally:
            self._busy.release()

    def wait(self, timeout: float | None = None) -> None:
        """Until the fold under way (if any) is done."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
