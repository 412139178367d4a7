"""The grid widget at 100,000 and 1,000,000 rows x 10 columns: first paint, CPU per key, memory, bytes.

    python benchmarks/app.py [--quick]

Prints a table (not a timed test).  Each size runs in its own process so its
peak RSS is its own.  How each number is taken:

  fill table        the time spent in Table.append_page, pages of 1,000 rows (what a load
                    does after the HTTP part; making the row dicts is not counted)
  first paint       Grid.set_table on the filled table until the grid's first frame is
                    painted, headless (App.run_test at 160x50)
  CPU per key       time.process_time around pilot.press(key) + pilot.pause(), median of many:
                    a cursor move that stays on screen, one that scrolls, a boolean toggle,
                    and a text edit (enter, one letter, enter); for scale, a key bound to
                    nothing (what Textual and the pilot cost per key) and the grid's own
                    painting of all 50 lines (the rest of a scroll is Textual compositing)
  peak RSS          VmHWM of that process after all of the above
  bytes per key     the real Linux driver in a pseudo-terminal of 160x50 (TERM=xterm-256color,
                    truecolor): the grid app on 100,000 rows runs as a child process on the
                    pty's slave side; after each key written to the master, everything the
                    app writes until it has been quiet for 0.15 s is counted, median of many
  full app          `python -m tui --config demo.toml` against the demo server in a pty: from
                    spawning the process to its first frame (output quiet after 2 KB)

Targets: first paint <= 3 s at 1M; a move < 10 ms and an edit < 20 ms CPU at 1M;
peak RSS < 600 MB at 1M.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SIZE = (160, 50)


def build_table(rows: int, timing: list[float] | None = None):  # noqa: ANN201 - a Table
    """Ten CRM-like columns (benchmarks/table.py); ``timing`` gets the seconds in append_page."""
    from table import pages

    from tui.config.model import Column
    from tui.table import Table

    statuses = ("active", "paused", "closed", "pending", "archived")
    columns = [
        Column("id", type="integer", read_only=True),
        Column("qty", type="integer", min=0),
        Column("status", type="choice", choices=statuses),
    ]
    table = Table(columns, key=["id"])
    spent = 0.0
    for page in pages(rows):
        t0 = time.perf_counter()
        table.append_page(page)
        spent += time.perf_counter() - t0
    if timing is not None:
        timing.append(spent)
    return table


def grid_app(table):  # noqa: ANN001, ANN201 - a Table, an App
    from textual.app import App

    from tui.app.grid import Grid

    class GridOnly(App[None]):
        def compose(self):  # noqa: ANN202
            yield Grid(id="grid")

        def on_mount(self) -> None:
            self.query_one(Grid).set_table(table)
            self.query_one(Grid).focus()

    return GridOnly()


# ----------------------------------------------------------------- one size, headless


async def _cpu_per_press(pilot, keys: list[str]) -> float:  # noqa: ANN001
    """Median CPU milliseconds of pressing each key (and letting the app settle)."""
    times = []
    for key in keys:
        t0 = time.process_time()
        await pilot.press(key)
        await pilot.pause()
        times.append(time.process_time() - t0)
    return statistics.median(times) * 1000


async def _cpu_per_action(pilot, action: Callable[[], Awaitable[None]], n: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(n):
        t0 = time.process_time()
        await action()
        times.append(time.process_time() - t0)
    return statistics.median(times) * 1000


def measure_size(rows: int, repeats: int) -> dict[str, float]:
    from tui.app.grid import Grid

    timing: list[float] = []
    table = build_table(rows, timing)
    result: dict[str, float] = {"rows": rows, "fill": timing[0]}

    async def run() -> None:
        app = grid_app(table)
        t1 = time.perf_counter()
        async with app.run_test(size=SIZE) as pilot:
            grid = app.query_one(Grid)
            body = grid._body
            while body.lines_painted < body.page_height:
                await asyncio.sleep(0.001)
            result["first_paint"] = time.perf_counter() - t1
            grid.move_to(rows // 2, 0)  # mid-table, cursor on the bottom line
            grid.move_to(rows // 2 - 20, 0)  # now mid-screen
            await pilot.pause()
            keys = ["down", "up"] * repeats
            result["move"] = await _cpu_per_press(pilot, keys)
            grid.move_to(rows // 2 - 20, 0)
            grid.move_to(rows // 2, 0)  # on the bottom line: every "down" scrolls
            await pilot.pause()
            result["move_scroll"] = await _cpu_per_press(pilot, ["down"] * repeats)
            grid.move_to(rows // 2, grid.shown_columns.index("active"))
            await pilot.pause()
            result["toggle"] = await _cpu_per_press(pilot, ["space"] * repeats)
            grid.move_to(rows // 2, grid.shown_columns.index("name"))
            await pilot.pause()

            async def text_edit() -> None:
                await pilot.press("enter", "x", "enter")
                await pilot.pause()

            result["edit"] = await _cpu_per_action(pilot, text_edit, max(10, repeats // 4))
            result["paint"] = _paint_screen(grid, rows // 3)
            result["idle_key"] = await _cpu_per_press(pilot, ["z"] * repeats)  # bound to nothing

    asyncio.run(run())
    result["peak_rss"] = _peak_rss_mb()
    return result


def _paint_screen(grid, top: int) -> float:  # noqa: ANN001 - a Grid
    """Median CPU milliseconds of the grid painting every line of the screen itself."""
    times = []
    for i in range(30):
        t0 = time.process_time()
        for y in range(SIZE[1]):
            grid.paint_line(y, 0, top + i, SIZE[0])
        times.append(time.process_time() - t0)
    return statistics.median(times) * 1000


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


# ----------------------------------------------------------------- bytes through a pty


def serve(rows: int) -> None:
    """The grid app on the real terminal driver (the child side of the pty measure)."""
    grid_app(build_table(rows)).run()


def _spawn_in_pty(argv: list[str], size: tuple[int, int]) -> tuple[subprocess.Popen, int]:
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    env.pop("NO_COLOR", None)
    child = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    return child, master


def _drain(master: int, quiet: float, limit: float = 30.0) -> int:
    """Bytes read from the pty until nothing came for ``quiet`` seconds."""
    import select

    total, end = 0, time.monotonic() + limit
    while time.monotonic() < end:
        ready, _, _ = select.select([master], [], [], quiet)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        total += len(chunk)
    return total


def _wait_first_frame(master: int, child: subprocess.Popen, limit: float) -> float:
    """Seconds until the child has written a frame (2 KB, then quiet), or nan."""
    import select

    start, total = time.perf_counter(), 0
    while time.perf_counter() - start < limit and child.poll() is None:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                total += len(os.read(master, 65536))
            except OSError:
                break
        elif total > 2048:
            return time.perf_counter() - start - 0.1  # the quiet wait is not the app's
    return float("nan")


def _stop(child: subprocess.Popen, master: int) -> None:
    try:
        os.write(master, b"\x11")  # ctrl+q
        child.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        child.kill()
        child.wait()
    os.close(master)


def bytes_per_key(rows: int, repeats: int) -> dict[str, float]:
    """Median bytes the app writes for a key: moves on screen and scrolling, edits."""
    argv = [sys.executable, __file__, "--serve", str(rows)]
    child, master = _spawn_in_pty(argv, SIZE)
    try:
        _wait_first_frame(master, child, 60)
        _drain(master, 0.5)

        def keys(*sequence: bytes, n: int = repeats) -> float:
            counts = []
            for _ in range(n):
                total = 0
                for key in sequence:
                    os.write(master, key)
                    total += _drain(master, 0.15)
                counts.append(total)
            return statistics.median(counts)

        result = {"move": keys(b"j", b"k")}  # at the top: never scrolls
        result["move"] /= 2
        keys(b"l", n=7)  # the boolean column "active"
        result["toggle"] = keys(b" ")
        keys(b"h", n=4)  # "name"
        result["edit"] = keys(b"\r", b"x", b"\r", n=max(5, repeats // 3))
        keys(b"G", n=1)
        keys(b"k", n=SIZE[1])  # up to the top line: from here every "k" scrolls
        result["move_scroll"] = keys(b"k")
        return result
    finally:
        _stop(child, master)


def full_app_first_frame() -> str:
    try:
        from tui.app import make_app  # noqa: F401 - only to know the app exists
        from tui.demo import DemoServer, seed_database
        from tui.demo.config_text import demo_config_text
    except ImportError as exc:
        return f"skipped ({exc})"
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "demo.db"
        seed_database(database, rows=5000)
        with DemoServer(database) as server:
            config = Path(folder) / "demo.toml"
            config.write_text(demo_config_text(server.api_url, Path(folder) / "state.db"))
            argv = [sys.executable, "-m", "tui", "--config", str(config)]
            child, master = _spawn_in_pty(argv, SIZE)
            try:
                seconds = _wait_first_frame(master, child, 30)
            finally:
                _stop(child, master)
    return "no frame within 30 s" if seconds != seconds else f"{seconds:.2f} s"


# ----------------------------------------------------------------- the table


def main(quick: bool) -> None:
    sizes = (100_000, 1_000_000)
    repeats = 30 if quick else 100
    results = {}
    for rows in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--size", str(rows), "--repeats", str(repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[rows] = json.loads(out.stdout.strip().splitlines()[-1])
    wire = bytes_per_key(100_000, 15 if quick else 30)
    lines = []
    for rows, r in results.items():
        n = f"{rows:,} rows"
        lines += [
            (f"{n}: fill table (append_page)", f"{r['fill']:.2f} s"),
            (f"{n}: set_table + first paint", f"{r['first_paint']:.2f} s"),
            (f"{n}: load + first paint", f"{r['fill'] + r['first_paint']:.2f} s"),
            (f"{n}: CPU per cursor move (on screen)", f"{r['move']:.1f} ms"),
            (f"{n}: CPU per cursor move (scrolls)", f"{r['move_scroll']:.1f} ms"),
            (f"{n}:   of which the grid paints 50 lines", f"{r['paint']:.1f} ms"),
            (f"{n}: CPU per key bound to nothing (baseline)", f"{r['idle_key']:.1f} ms"),
            (f"{n}: CPU per edit (boolean toggle)", f"{r['toggle']:.1f} ms"),
            (f"{n}: CPU per edit (enter, x, enter)", f"{r['edit']:.1f} ms"),
            (f"{n}: peak RSS", f"{r['peak_rss']:.0f} MB"),
        ]
    lines += [
        ("bytes per cursor move, 160x50 pty (on screen)", f"{wire['move']:.0f} B"),
        ("bytes per cursor move, 160x50 pty (scrolls)", f"{wire['move_scroll']:.0f} B"),
        ("bytes per edit, 160x50 pty (boolean toggle)", f"{wire['toggle']:.0f} B"),
        ("bytes per edit, 160x50 pty (enter, x, enter)", f"{wire['edit']:.0f} B"),
        ("full app: spawn to first frame (demo, 160x50 pty)", full_app_first_frame()),
    ]
    width = max(len(name) for name, _ in lines)
    print(f"{'measure':<{width}}  median")
    print(f"{'-' * width}  ------")
    for name, value in lines:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=200, help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
    elif args.size:
        print(json.dumps(measure_size(args.size, args.repeats)))
    else:
        main(args.quick)
