"""The longest stall of the real app's UI thread: views, a fill down of 1,000,000 cells, and
one edit after it, with the journal bytes each edit writes.

    python benchmarks/app_stalls.py [--rows N] [--runs N] [--edits N]

A demo server (`writeback demo --serve-only`, its own process) serves N products
(default 111,112: the 9 editable columns of them are 1,000,008 cells) on loopback.
`WritebackApp`, made by `make_app` as the command line makes it, runs headless
(App.run_test, 160x50) on the demo's config and its own state file, and loads them.
Then, on the loaded grid:

  sort, filter, search   as a user does them (keys, the grid's own calls); next to
                         each, the same computation done directly on the UI thread
  one edit, clean        enter, a text, enter on one cell of an unchanged table, --edits times
  fill down              the block of every editable column, first row to last, ctrl+d
  one edit after it      the same edit, --edits times, with the fill's cells changed

Longest stall: while each action runs, a task on the app's event loop sleeps 2 ms
at a time and records the longest gap between its wake-ups, the longest time the
screen could not have answered a key (an edit is timed until its cell shows the
text, plus a quiet 0.1 s).  Medians of the runs; "worst" is the longest of them.
Ceilings: 50 ms for views, 16 ms (a frame) for an edit.

Journal bytes per edit: the bytes this process hands to write calls (`wchar` of
/proc/self/io) from the first edit's key until 0.5 s after the last, divided by
the edits: the state database and its WAL, as the headless app writes nothing
else, and work deferred to a thread counts whenever it runs.  Each edit gives the
cell a text of a new length, as typing does: SQLite rewrites a record of the same
length in place and writes only its changed pages, which would hide what a
journal that rewrites the change set costs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZE = (160, 50)
VIEW_CEILING_MS = 50.0
EDIT_CEILING_MS = 16.0
DEST = "products"


class StallWatch:
    """The longest gap between wake-ups of a task that sleeps 2 ms at a time."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.002)
            self.worst = max(self.worst, time.perf_counter() - started - 0.002)

    def start(self) -> None:
        self.worst = 0.0
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def stop(self) -> float:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        return self.worst * 1000


def written_bytes() -> int:
    """Bytes this process has handed to write calls so far."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise RuntimeError("no wchar in /proc/self/io")


@dataclass
class Row:
    name: str
    ceiling: float
    stalls: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    directs: list[float] = field(default_factory=list)
    written: list[int] = field(default_factory=list)


async def _until(done: Callable[[], object], limit: float = 120.0) -> None:
    end = time.monotonic() + limit
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(0.01)


def start_server(folder: Path, rows: int) -> tuple[subprocess.Popen[str], Path]:
    """`writeback demo --serve-only` in its own process; its config file."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "tui", "demo", "--serve-only", "--rows", str(rows)]
    server = subprocess.Popen(
        [*argv, "--data-dir", str(folder)],
        stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    assert server.stdout is not None
    for line in server.stdout:
        if line.startswith("config:"):
            return server, Path(line.split(":", 1)[1].strip())
    server.kill()
    raise RuntimeError("the demo server did not start")


def measure(rows: int, runs: int, edits: int) -> tuple[list[Row], dict[str, Any]]:
    from tui.app import make_app

    found: dict[str, Row] = {}
    facts: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="app-stalls-") as tmp:
        server, config = start_server(Path(tmp), rows)
        try:
            started = time.perf_counter()
            app = make_app(config, check_interval=0)
            asyncio.run(_drive(app, rows, runs, edits, found, facts, started))
        finally:
            server.terminate()
            server.wait(10)
    return list(found.values()), facts


async def _drive(  # noqa: PLR0915 - one scenario, step by step
    app: Any,
    rows: int,
    runs: int,
    edits: int,
    found: dict[str, Row],
    facts: dict[str, Any],
    started: float,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _until(lambda: DEST in app.bench.loaded)
        facts["load_s"] = time.perf_counter() - started
        grid, ws = app.grid, app.bench.ws
        table = ws.table
        assert table.loaded_count == rows, table.loaded_count
        watch = StallWatch()
        needles = itertools.count()
        columns = grid.shown_columns
        editable = [i for i, c in enumerate(columns) if table.editable(0, c) is None]
        assert editable == list(range(editable[0], editable[-1] + 1)), "a contiguous block"
        name_col = columns.index("name")

        def row(name: str, ceiling: float) -> Row:
            return found.setdefault(name, Row(name, ceiling))

        async def view(
            name: str, act: Callable[[], Awaitable[None]], direct: Callable[[], object]
        ) -> None:
            result = row(name, VIEW_CEILING_MS)
            for _ in range(runs):
                table.clear_view()
                grid.refresh_table()
                await pilot.pause()
                watch.start()
                t0 = time.perf_counter()
                await act()
                result.walls.append(time.perf_counter() - t0)
                result.stalls.append(await watch.stop())
                table.clear_view()
                t0 = time.perf_counter()
                direct()
                result.directs.append((time.perf_counter() - t0) * 1000)
            table.clear_view()
            grid.refresh_table()
            await pilot.pause()

        async def sort(column: str) -> None:
            grid.move_to(0, columns.index(column))
            await pilot.press("s")
            await _until(lambda: table.sorted_by == (column, False))
            await pilot.pause()

        async def filter_name() -> None:
            grid.apply_filter("Mouse", "name")
            await _until(lambda: table.filtered)
            await pilot.pause()

        async def search_absent() -> None:
            grid.move_to(0, 0)
            grid.find(f"no such text {next(needles)}")  # new text: no cached matches
            await _until(lambda: not grid.jobs.running)
            await pilot.pause()

        await view("sort by name (text)", lambda: sort("name"), lambda: table.sort("name"))
        await view("sort by qty (integers)", lambda: sort("qty"), lambda: table.sort("qty"))
        await view("sort by region (few)", lambda: sort("region"), lambda: table.sort("region"))
        await view("filter name", filter_name, lambda: table.filter("Mouse", "name"))
        await view(
            "search, no match", search_absent, lambda: table.search(f"no such {next(needles)}", 0)
        )

        lengths = itertools.count(1)

        async def edit(result: Row) -> None:
            grid.move_to(10, name_col)
            await pilot.pause()
            before = table.version
            text = "Edited " + "x" * next(lengths)  # a new length: see the module docstring
            watch.start()
            t0 = time.perf_counter()
            await pilot.press("enter", *text, "enter")
            await _until(lambda: table.version != before and table.text(10, "name") == text)
            await pilot.pause()
            await asyncio.sleep(0.1)  # quiet time: work the edit left for later shows here
            result.walls.append(time.perf_counter() - t0)
            result.stalls.append(await watch.stop())

        async def edit_all(result: Row) -> None:
            """`edits` edits; bytes from the first key to a quiet 0.5 s after the last, shared
            out: work deferred to a thread (a compaction) counts, whenever it runs."""
            wrote = written_bytes()
            for _ in range(edits):
                await edit(result)
            await asyncio.sleep(0.5)
            result.written.append((written_bytes() - wrote) // edits)

        await edit_all(row("one edit, clean table", EDIT_CEILING_MS))

        filled = row("fill down", VIEW_CEILING_MS)
        grid.move_to(rows - 1, editable[-1])
        grid.model.anchor = (0, editable[0])
        await pilot.pause()
        before = table.version
        watch.start()
        wrote = written_bytes()
        t0 = time.perf_counter()
        await pilot.press("ctrl+d")
        await _until(lambda: table.version != before and not grid.jobs.running)
        await pilot.pause()
        await asyncio.sleep(0.1)
        filled.walls.append(time.perf_counter() - t0)
        filled.stalls.append(await watch.stop())
        # the fill's own step, and the fold it makes due, are written off the UI thread:
        # they count to the fill, not to the edits measured after it
        state = ws.state
        await asyncio.to_thread(state.journal.settle)
        await asyncio.to_thread(state.compactor.wait)
        filled.written.append(written_bytes() - wrote)
        counts = table.counts()
        facts["filled_cells"] = rows * len(editable)
        facts["changed_cells"] = counts.changed_values
        filled.name = f"fill down {rows * len(editable):,} cells"

        await edit_all(row(f"one edit, {counts.changed_values:,} changed", EDIT_CEILING_MS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=111_112, help="products on the demo server")
    parser.add_argument("--runs", type=int, default=3, help="runs of each view")
    parser.add_argument("--edits", type=int, default=3, help="edits before and after the fill")
    args = parser.parse_args()
    results, facts = measure(args.rows, args.runs, args.edits)
    print(
        f"\nWritebackApp on a loopback demo server, {args.rows:,} rows x 10 columns, 160x50 "
        f"headless; loaded in {facts['load_s']:.1f} s; the fill changed "
        f"{facts['changed_cells']:,} of {facts['filled_cells']:,} cells\n"
    )
    head = (
        f"{'action':<34}{'longest stall':>14}{'worst':>9}{'ceiling':>12}"
        f"{'on the UI thread':>18}{'journal bytes':>15}{'wall':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        stall, worst = statistics.median(r.stalls), max(r.stalls)
        mark = "ok" if worst <= r.ceiling else "OVER"
        direct = f"{statistics.median(r.directs):.0f} ms" if r.directs else "-"
        written = f"{statistics.median(r.written):,.0f}" if r.written else "-"
        print(
            f"{r.name:<34}{stall:>9.0f} ms{worst:>6.0f} ms {mark:<4}{r.ceiling:>4.0f} ms"
            f"{direct:>18}{written:>15}{statistics.median(r.walls):>7.1f}s"
        )


if __name__ == "__main__":
    main()
