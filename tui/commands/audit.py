"""`writeback audit [DEST] [--follow] [--since T] [--user U] [--limit N] [--format ...]`."""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tui.commands import UsageError, destination
from tui.commands.state import open_for
from tui.config import discover, load_config
from tui.exits import EXIT_OK
from tui.state.audit import AuditEntry

FOLLOW_WAIT_S = 1.0
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
CSV_FIELDS = list(AuditEntry(0, "", "", "", "").as_dict())


def run(args: argparse.Namespace) -> int:
    config = load_config(discover(getattr(args, "config", None)))
    if args.dest:
        destination(config, args.dest, "audit")
    since = parse_since(args.since) if args.since else None
    limit = args.limit if args.limit is not None else (20 if args.follow else 100)
    show = _shower(args.format)
    with open_for(config) as state:
        entries = state.audit.query(args.dest, args.user, since, limit=limit or None)
        for entry in entries:
            show(entry)
        if not args.follow:
            return EXIT_OK
        last = entries[-1].id if entries else state.audit.latest_id()
        while True:  # ctrl+c ends it (exit 130, handled by the dispatcher)
            # pushed by PostgreSQL at commit, polled on SQLite: read only when something changed
            if not state.wait_for_change(FOLLOW_WAIT_S):
                continue
            for entry in state.audit.query(args.dest, args.user, since, after_id=last, limit=None):
                show(entry)
                last = entry.id


def parse_since(text: str) -> datetime:
    """An ISO date or time (UTC unless it says otherwise), or a duration back: 90s, 15m, 2h, 7d."""
    match = re.fullmatch(r"\s*([0-9]{1,12})\s*([smhd])\s*", text)
    try:
        if match:
            return datetime.now(UTC) - timedelta(**{_UNITS[match[2]]: int(match[1])})
        when = datetime.fromisoformat(text.strip())
    except (ValueError, OverflowError):
        raise UsageError(
            f"writeback audit: --since {text!r}: give an ISO time (2026-11-22T10:30) "
            "or a duration (15m, 2h, 7d)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _shower(fmt: str) -> Callable[[AuditEntry], None]:
    if fmt == "jsonl":
        return lambda e: print(json.dumps(e.as_dict(), ensure_ascii=False, default=str), flush=True)
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, CSV_FIELDS)
        writer.writeheader()

        def row(entry: AuditEntry) -> None:
            data = entry.as_dict()
            for name in ("row_key", "before", "after"):
                if data[name] is not None:
                    data[name] = json.dumps(data[name], ensure_ascii=False, default=str)
            writer.writerow(data)
            sys.stdout.flush()

        return row
    return lambda e: print(e.line(), flush=True)
