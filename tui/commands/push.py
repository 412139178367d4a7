"""`writeback push DEST (--changes FILE | --rows FILE) [--dry-run] [--format text|jsonl]`.

Loads the destination, applies the change set (or the difference to the given
rows) to the rows as loaded, and writes it back with a line per row.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.commands import UsageError, cli_secret_store, destination, fail
from tui.commands.state import open_for
from tui.config import discover, load_config
from tui.exits import EXIT_FAILED, EXIT_OK, EXIT_REFUSED, EXIT_STATE
from tui.rest.errors import RestError
from tui.state import current_identity
from tui.state.errors import Refused, StateUnwritable
from tui.table import Change, ChangeFileError, Rejected, Table, diff_rows, parse_changes
from tui.workspace import Workspace
from tui.workspace.adapt import wire_key
from tui.workspace.recovery import NOT_LANDED, recover_push
from tui.workspace.report import CONFLICT_PREFIX, LANDED, file_conflict_entry
from tui.writeback.results import RowResult, summary


def run(args: argparse.Namespace) -> int:
    config = load_config(discover(getattr(args, "config", None)))
    dest = destination(config, args.dest, "push")
    with open_for(config) as state:
        ws = Workspace(
            config, dest.id, state, current_identity(), cli_secret_store(), journaled=False
        )
        refusal = ws.read_only_reason(will_wait=True) if not args.dry_run else None
        if refusal or not ws.can_write:
            reason = refusal or "no write access"
            return fail(f"writeback push {dest.id}: refused: {reason}", EXIT_REFUSED)
        _load(ws)
        source = Path(args.changes or args.rows)
        refused = _apply(ws.table, source, bool(args.changes))
        rejected = len(refused)
        problems = ws.table.problems()
        if problems:
            for problem in problems:
                print(f"writeback push {dest.id}: invalid: {problem}", file=sys.stderr)
            return fail(
                f"writeback push {dest.id}: nothing sent: fix the values above", EXIT_FAILED
            )
        if args.dry_run:
            return _dry_run(ws, args.format) or (1 if rejected else 0)
        try:
            _audit_conflicts(ws, refused)
            held = _recover(ws, args.format)
            results = _write(ws, args.format)
        except StateUnwritable as exc:  # nothing more was sent; the next run reads back
            return fail(f"writeback push {dest.id}: stopped: {exc}", EXIT_STATE)
    print(summary(results), file=sys.stderr if args.format == "jsonl" else sys.stdout)
    failed = rejected or held or any(r.status != "done" for r in results)
    return EXIT_FAILED if failed else EXIT_OK


def _recover(ws: Workspace, fmt: str) -> int:
    """Rows an earlier push sent and never saw answered, read back; those not found on the
    server are held out of this run, a line each (the next push sends them)."""
    found = asyncio.run(recover_push(ws))
    out = sys.stderr if fmt == "jsonl" else sys.stdout
    if found.landed:
        print(f"{len(found.landed)} rows of an interrupted writeback {LANDED}", file=out)
    for intent in found.held:
        key = json.loads(intent.ident).get("key") or "new row"
        where = " ".join(f"{k}={v}" for k, v in key.items()) if isinstance(key, dict) else key
        print(f"{intent.op} {where}: unknown: {NOT_LANDED}; not sent this time", file=out)
    return len(found.held)


def _load(ws: Workspace) -> None:
    try:
        asyncio.run(ws.load())
    except RestError as exc:
        raise UsageError(
            f"writeback push {ws.dest.id}: loading failed: {exc}", EXIT_FAILED
        ) from None


def _apply(table: Table, source: Path, is_change_file: bool) -> list[Rejected]:
    rejected = table.apply_changes(read_changes(table, source, is_change_file))
    for item in rejected:
        print(f"{source}: {item}", file=sys.stderr)
    return rejected


def _audit_conflicts(ws: Workspace, refused: list[Rejected]) -> None:
    """A line whose `was` the server no longer holds is a conflict: audited as one."""
    conflicts = [r for r in refused if r.reason.startswith(CONFLICT_PREFIX)]
    if not conflicts or not ws.dest.audit:
        return
    with ws.state.db.write() as conn:
        for item in conflicts:
            ws.state.audit.add(
                conn,
                file_conflict_entry(
                    ws.who, ws.dest.id, ws.integration.id, item.change, item.reason
                ),
            )


def read_changes(table: Table, source: Path, is_change_file: bool) -> list[Change]:
    """The changes a --changes or --rows file asks for; UsageError naming the file and line."""
    try:
        # Bytes as they are: a quoted CSV value keeps its "\r"; a spreadsheet's BOM is no data.
        text = source.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise UsageError(f"{source}: line {line}: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"writeback push: cannot read {source}: {exc}") from None
    try:
        if is_change_file:
            # Lines end at "\n" only: JSON text may hold U+2028, which splitlines() splits at.
            return parse_changes(text.split("\n"), table.key)
        return _diff(table, source, text)
    except ChangeFileError as exc:
        raise UsageError(f"{source}: {exc}") from None


def _diff(table: Table, source: Path, text: str) -> list[Change]:
    if source.suffix.lower() == ".csv" or not text.lstrip().startswith("{"):
        records, lines = _csv_records(text)
        return diff_rows(table, records, lines=lines)
    desired: list[dict[str, Any]] = []
    numbers: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            desired.append(_json_record(line, number))
            numbers.append(number)
    return diff_rows(table, desired, lines=numbers)


def _json_record(line: str, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ChangeFileError(f"line {number}: not JSON ({exc.msg})") from None
    except (ValueError, RecursionError):
        raise ChangeFileError(f"line {number}: not JSON we read (too large or deep)") from None
    if not isinstance(record, dict):
        raise ChangeFileError(f"line {number}: expected a JSON object (a row)")
    return record


def _csv_records(text: str) -> tuple[list[dict[str, Any]], list[int]]:
    """The rows under the header, and the line each starts on (quoted values span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    try:
        header = next(reader, [])
        while True:
            start = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                break
            if not row:
                continue  # a blank line
            if len(row) > len(header):
                raise ChangeFileError(f"line {start}: more values than the header has columns")
            records.append(dict(zip(header, row + [None] * (len(header) - len(row)), strict=True)))
            lines.append(start)
    except csv.Error as exc:
        raise ChangeFileError(f"line {reader.line_num}: not CSV ({exc})") from None
    return records, lines


def _dry_run(ws: Workspace, fmt: str) -> int:
    """The requests a push would send, as the app's preview shows them; nothing is sent."""
    preview = ws.preview()
    if preview.problems:  # the values were checked already: what is left cannot be planned
        return fail(f"writeback push {ws.dest.id}: {'; '.join(preview.problems)}", EXIT_FAILED)
    for shown in preview.requests:
        if fmt == "jsonl":
            print(json.dumps(shown.as_dict(), ensure_ascii=False))
        else:
            print(shown.text + "\n")
            print("# " + shown.curl + "\n")
    if fmt == "text":
        requests, rows = len(preview.requests), preview.changed
        print(f"dry run: {requests} requests for {rows} changed rows; nothing sent")
    return 0


def _write(ws: Workspace, fmt: str) -> list[RowResult]:
    try:
        report = asyncio.run(
            ws.write_back(on_result=_printer(ws.table, fmt), on_wait=_waiting(ws.dest.id))
        )
    except Refused as exc:
        raise UsageError(f"writeback push {ws.dest.id}: refused: {exc}", EXIT_REFUSED) from None
    for line in [*report.notes, report.after]:
        if line:
            print(line, file=sys.stderr)
    return report.results


def _waiting(dest: str) -> Callable[[str, float], None]:
    """One stderr line when the push starts waiting for another writeback's lock."""
    said: list[str] = []

    def say(holder: str, seconds_left: float) -> None:
        if holder not in said:
            said.append(holder)
            print(
                f"writeback push {dest}: waiting for the lock ({holder}), "
                f"up to {seconds_left:.0f} s",
                file=sys.stderr,
                flush=True,
            )

    return say


def _printer(table: Table, fmt: str) -> Callable[[RowResult], None]:
    def show(result: RowResult) -> None:
        key = wire_key(table, result.row_id)  # read as each row ends: rows planned once
        if fmt == "jsonl":
            print(json.dumps(_as_json(result, key), ensure_ascii=False, default=str), flush=True)
            return
        where = " ".join(f"{k}={v}" for k, v in key.items()) or "new row"
        if result.assigned:
            where += " -> " + " ".join(f"{k}={v}" for k, v in result.assigned.items())
        detail = result.message or (f"{result.http_status}" if result.http_status else "")
        print(
            f"{result.op} {where}: {result.status}" + (f": {detail}" if detail else ""), flush=True
        )

    return show


def _as_json(result: RowResult, key: dict[str, Any]) -> dict[str, Any]:
    return {
        "op": result.op,
        "key": key,
        "status": result.status,
        "http_status": result.http_status,
        "message": result.message,
        "request": result.request,
        "duration_ms": round(result.duration_ms, 1),
        "assigned": result.assigned,
    }
