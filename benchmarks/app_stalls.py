"""The longest stall of the UI thread while the grid sorts, filters and searches 1,000,000 rows.

    python benchmarks/app_stalls.py [--rows N] [--runs N]

The grid app runs headless (App.run_test, 160x50) on a table of N rows x 10
columns (benchmarks/table.py).  While each action runs, a task on the app's
event loop sleeps 2 ms at a time and records the longest gap between its
wake-ups: the longest time the screen could not have answered a key.  Next to
it, the same computation done directly on the UI thread (what a stall would be
without the worker) and the 50 ms ceiling.  Medians of --runs runs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app import SIZE, build_table, grid_app  # noqa: E402

CEILING_MS = 50.0


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


async def _until(done: Callable[[], bool], limit: float = 120.0) -> None:
    end = time.monotonic() + limit
    while not done() and time.monotonic() < end:
        await asyncio.sleep(0.01)


def measure(rows: int, runs: int) -> list[tuple[str, list[float], list[float], list[float]]]:
    from tui.app.grid import Grid

    table = build_table(rows)
    found: dict[str, tuple[list[float], list[float], list[float]]] = {}

    async def run() -> None:
        app = grid_app(table)
        async with app.run_test(size=SIZE) as pilot:
            grid = app.query_one(Grid)
            watch = StallWatch()
            needles = itertools.count()

            async def timed(
                name: str,
                act: Callable[[], Awaitable[None]],
                direct: Callable[[], object],
                after: Callable[[], object] = lambda: None,
            ) -> None:
                stalls, walls, directs = found.setdefault(name, ([], [], []))
                for _ in range(runs):
                    table.clear_view()
                    grid.set_table(table)
                    await pilot.pause()
                    watch.start()
                    started = time.perf_counter()
                    await act()
                    walls.append(time.perf_counter() - started)
                    stalls.append(await watch.stop())
                    after()  # not measured: putting things back for the next run
                    table.clear_view()
                    t0 = time.perf_counter()
                    direct()
                    directs.append((time.perf_counter() - t0) * 1000)
                    after()

            async def sort(column: str) -> None:
                grid.move_to(0, grid.shown_columns.index(column))
                await pilot.press("s")
                await _until(lambda: table.sorted_by == (column, False))
                await pilot.pause()

            async def filter_name() -> None:
                grid.apply_filter("Customer 00012", "name")
                await _until(lambda: table.filtered)
                await pilot.pause()

            async def search_absent() -> None:
                grid.move_to(0, 0)
                grid.find(f"no such text {next(needles)}")  # new text: no cached matches
                await _until(lambda: not grid.jobs.running)
                await pilot.pause()

            async def fill_down() -> None:
                grid.move_to(rows - 1, grid.shown_columns.index("qty"))
                grid.model.anchor = (0, grid.shown_columns.index("qty"))
                await pilot.press("ctrl+d")
                await _until(lambda: not grid.jobs.running)
                await pilot.pause()

            def fill_direct() -> None:
                table.fill_down(range(rows), ["qty"])

            await timed("sort by name (text)", lambda: sort("name"), lambda: table.sort("name"))
            await timed("sort by qty (integers)", lambda: sort("qty"), lambda: table.sort("qty"))
            await timed(
                "sort by status (few values)", lambda: sort("status"), lambda: table.sort("status")
            )
            await timed("filter name", filter_name, lambda: table.filter("Customer 00012", "name"))
            await timed(
                "search, no match",
                search_absent,
                lambda: table.search(f"no such text {next(needles)}", 0),
            )
            await timed(f"fill down {rows:,} cells", fill_down, fill_direct, after=table.undo)

    asyncio.run(run())
    return [(name, *values) for name, values in found.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = measure(args.rows, args.runs)
    print(f"\n{args.rows:,} rows x 10 columns, 160x50 headless, median of {args.runs} runs\n")
    head = f"{'action':<30}{'longest stall':>15}{'ceiling':>10}{'on the UI thread':>18}{'wall':>9}"
    print(head)
    print("-" * len(head))
    for name, stalls, walls, directs in results:
        stall, direct = statistics.median(stalls), statistics.median(directs)
        wall = statistics.median(walls)
        mark = "ok" if stall <= CEILING_MS else "OVER"
        print(
            f"{name:<30}{stall:>10.0f} ms {mark:<4}{CEILING_MS:>6.0f} ms"
            f"{direct:>15.0f} ms{wall:>8.1f} s"
        )


if __name__ == "__main__":
    main()
