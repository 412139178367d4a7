"""The audit trail: an entry per row written back and per lock event, queried newest first."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.state.db import Conn, Database, now_us
from tui.state.identity import Identity

_FIELDS = [
    "at_us",
    "login",
    "host",
    "ssh_client",
    "destination",
    "integration",
    "event",
    "row_key",
    "before",
    "after",
    "method",
    "url",
    "status",
    "outcome",
    "error",
    "duration_ms",
    "writeback_id",
]
_JSON_FIELDS = ("row_key", "before", "after")
DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class AuditEntry:
    at_us: int
    login: str
    host: str
    destination: str
    # insert | update | delete | lock | unlock | break | takeover: what was written or locked;
    # take_theirs | overwrite | skip | discard | revert (a held row): what the user
    # decided about unsent rows
    event: str
    ssh_client: str | None = None
    integration: str | None = None
    row_key: dict[str, Any] | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    method: str | None = None
    url: str | None = None
    status: int | None = None
    outcome: str = ""  # done | failed | conflict | unknown
    error: str | None = None
    duration_ms: float | None = None
    writeback_id: str | None = None
    id: int = field(default=0, compare=False)

    @classmethod
    def now(
        cls, who: Identity, destination: str, event: str, *, integration: str | None = None
    ) -> AuditEntry:
        return cls(
            now_us(),
            who.login,
            who.host,
            destination,
            event,
            ssh_client=who.ssh_client,
            integration=integration,
        )

    def but(self, **changes: Any) -> AuditEntry:
        return dataclasses.replace(self, **changes)

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.at_us / 1e6, UTC)

    def as_dict(self) -> dict[str, Any]:
        """The entry for JSON Lines and CSV: times in ISO 8601 UTC."""
        data = {"id": self.id, "at": self.at.isoformat(timespec="milliseconds")}
        data.update({k: getattr(self, k) for k in _FIELDS if k != "at_us"})
        return data

    def line(self) -> str:
        """One line for people: time, who, what, where, and how it went."""
        when = self.at.strftime("%Y-%m-%d %H:%M:%SZ")
        parts = [when, f"{self.login}@{self.host}", self.event, self.destination]
        if self.row_key:
            parts.append(" ".join(f"{k}={v}" for k, v in self.row_key.items()))
        parts.append(_what(self))
        if self.outcome and self.outcome != "done" or self.event in ("insert", "update", "delete"):
            parts.append(self.outcome + (f" {self.status}" if self.status else ""))
        if self.error:
            parts.append(f"({self.error})")
        return "  ".join(p for p in parts if p)


_CHANGES = ("update", "take_theirs", "overwrite", "skip", "revert")


def _what(entry: AuditEntry) -> str:
    if entry.event == "discard" and entry.before:
        keys = entry.before.get("keys") or []
        shown = ", ".join(" ".join(f"{k}={v}" for k, v in key.items()) for key in keys[:5])
        more = f" and {len(keys) - 5} more" if len(keys) > 5 else ""
        rows = f" ({shown}{more})" if shown and not entry.row_key else ""
        return str(entry.before.get("summary", "")) + rows
    if entry.event in _CHANGES and entry.after:
        before = entry.before or {}
        return ", ".join(f"{k}: {before.get(k)!r} -> {v!r}" for k, v in entry.after.items())
    if entry.event in ("break", "takeover") and entry.before:
        ended = entry.before.get("ended")
        return f"from {entry.before.get('holder')}" + (f" ({ended})" if ended else "")
    return ""


class Audit:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, conn: Conn, entry: AuditEntry) -> None:
        """Write an entry inside the caller's transaction (so it lands with what it records)."""
        values = [getattr(entry, k) for k in _FIELDS]
        for name in _JSON_FIELDS:
            i = _FIELDS.index(name)
            values[i] = None if values[i] is None else json.dumps(values[i], default=str)
        marks = ", ".join("?" * len(_FIELDS))
        conn.execute(f"INSERT INTO audit ({', '.join(_FIELDS)}) VALUES ({marks})", values)

    def append(self, entry: AuditEntry) -> None:
        with self._db.write() as conn:
            self.add(conn, entry)

    def latest_id(self) -> int:
        return int(self._db.read("SELECT coalesce(max(id), 0) FROM audit")[0][0])

    def query(
        self,
        destination: str | None = None,
        user: str | None = None,
        since: datetime | None = None,
        after_id: int | None = None,
        limit: int | None = DEFAULT_LIMIT,
    ) -> list[AuditEntry]:
        """The latest `limit` matching entries, oldest first (all newer than `after_id`)."""
        where, params = _filters(destination, user, since, after_id)
        sql = f"SELECT id, {', '.join(_FIELDS)} FROM audit {where}"
        if after_id is not None:
            sql += " ORDER BY id" + (f" LIMIT {int(limit)}" if limit else "")
            return [_entry(row) for row in self._db.read(sql, tuple(params))]
        sql += " ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else "")
        return [_entry(row) for row in reversed(self._db.read(sql, tuple(params)))]

    def prune(self, days: int) -> int:
        """Delete entries older than `days`; returns how many went."""
        cutoff = now_us() - days * 86_400 * 1_000_000
        with self._db.write() as conn:
            return conn.execute("DELETE FROM audit WHERE at_us < ?", (cutoff,)).rowcount


def _filters(
    destination: str | None, user: str | None, since: datetime | None, after_id: int | None
) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    for clause, value in (
        ("destination = ?", destination),
        ("login = ?", user),
        ("at_us >= ?", int(since.timestamp() * 1e6) if since else None),
        ("id > ?", after_id),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _entry(row: Sequence[Any]) -> AuditEntry:
    data = dict(zip(["id", *_FIELDS], row, strict=True))
    for name in _JSON_FIELDS:
        if data[name] is not None:
            data[name] = json.loads(data[name])
    data["outcome"] = data["outcome"] or ""
    return AuditEntry(**data)
