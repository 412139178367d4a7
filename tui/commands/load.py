"""`writeback load DEST [--format jsonl|csv] [--limit N]`: print rows as they arrive.

Rows go to stdout page by page; progress and errors go to stderr, one line each.
CSV: the header is the first page's columns.  A column first seen on a later
page cannot join a header already printed: it is left out of the CSV and named
once on stderr (JSON Lines keeps every column of every row).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any, BinaryIO, TextIO

from tui.commands import cli_secret_store, destination, fail
from tui.config import discover, load_config
from tui.exits import EXIT_FAILED, EXIT_OK
from tui.jsonlines import dump_lines
from tui.rest.errors import RestError
from tui.rest.load import Page, load_rows


def run(args: argparse.Namespace) -> int:
    config = load_config(discover(getattr(args, "config", None)))
    dest = destination(config, args.dest, "load")
    if args.limit is not None and args.limit < 0:
        return fail("writeback load: --limit must be 0 or more")
    integration = config.integrations[dest.integration]
    writer = _CsvOut(sys.stdout) if args.format == "csv" else _JsonlOut(sys.stdout)
    progress = _Progress(args.dest, sys.stderr)
    try:
        for page in load_rows(integration, dest, cli_secret_store(), limit=args.limit):
            writer.write(page)
            progress.page(page)
    except RestError as exc:
        progress.done()
        return fail(f"writeback load {args.dest}: {exc}", EXIT_FAILED)
    except BrokenPipeError:
        # The reader (head, less) went away: that is how a pipeline ends, not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    progress.done(final=True)
    return EXIT_OK


class _JsonlOut:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.raw: BinaryIO | None = getattr(out, "buffer", None)  # bytes, without decoding

    def write(self, page: Page) -> None:
        lines = dump_lines(page.records)
        if self.raw is None:
            self.out.write(lines.decode("utf-8", "surrogateescape"))
            self.out.flush()
            return
        self.out.flush()  # whatever text went before stays before
        self.raw.write(lines)
        self.raw.flush()


class _CsvOut:
    def __init__(self, out: TextIO) -> None:
        import csv  # only this output needs it

        self.out = out
        self.writer = csv.writer(out, lineterminator="\n")
        self.header: list[str] | None = None
        self.seen: set[str] = set()  # the header's columns and those left out
        from tui.table.types import format_value  # the table model: only CSV needs it

        self.cell: Callable[[Any], str] = lambda value: format_value(value, None)

    def write(self, page: Page) -> None:
        if self.header is None:
            if not page.records:
                return
            self.header = _unseen(page.records, self.seen)
            self.writer.writerow(self.header)
        elif late := _unseen(page.records, self.seen):
            print(
                f"writeback load: column(s) {', '.join(late)} first appear on page "
                f"{page.number}, after the CSV header; left out (use --format jsonl)",
                file=sys.stderr,
            )
        header, cell = self.header, self.cell
        rows = ([r.get(c) for c in header] for r in page.records)
        # text goes as it is; the rest as the grid shows it
        self.writer.writerows([v if type(v) is str else cell(v) for v in row] for row in rows)
        self.out.flush()


def _unseen(records: list[dict[str, Any]], seen: set[str]) -> list[str]:
    """The columns of `records` not in `seen`, in order of appearance; added to it."""
    if set().union(*records) <= seen:
        return []  # the usual page: no column it has not seen (one pass in C)
    new: list[str] = []
    for record in records:
        for name in record:
            if name not in seen:
                seen.add(name)
                new.append(name)
    return new


class _Progress:
    """One stderr line: rewritten in place on a terminal, printed once at the end otherwise."""

    def __init__(self, dest: str, err: TextIO) -> None:
        self.dest = dest
        self.err = err
        self.live = err.isatty()
        self.started = time.perf_counter()
        self.last: Page | None = None

    def _text(self) -> str:
        page = self.last
        rows, pages = (page.rows, page.number) if page else (0, 0)
        total = f" of {page.total:,}" if page and page.total is not None else ""
        seconds = time.perf_counter() - self.started
        return f"{self.dest}: {rows:,}{total} rows, {pages} pages, {seconds:.1f} s"

    def page(self, page: Page) -> None:
        self.last = page
        if self.live:
            self.err.write("\r" + self._text() + "\x1b[K")
            self.err.flush()

    def done(self, final: bool = False) -> None:
        if self.live and self.last is not None:
            self.err.write("\r" + self._text() + "\x1b[K\n" if final else "\n")
        elif final:
            self.err.write(self._text() + "\n")
        self.err.flush()
