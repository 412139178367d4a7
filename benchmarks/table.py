"""Table model at 1,000,000 rows x 10 columns: load time, memory, edit and read cost, sort, filter.

    python benchmarks/table.py [ROWS]

Prints a table.  Targets: memory well under 1 GB; an edit in microseconds
(O(1), independent of the row count).  Not a timed test.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.config.model import Column  # noqa: E402
from tui.table import Table  # noqa: E402

PAGE = 1000
STATUSES = ("active", "paused", "closed", "pending", "archived")
CITIES = [f"City {i}" for i in range(1000)]


def pages(rows: int) -> Iterator[list[dict[str, object]]]:
    """Rows like a CRM's: an integer key, unique and repeated text, numbers, flags, dates."""
    rnd = random.Random(7)
    for start in range(0, rows, PAGE):
        yield [
            {
                "id": i,
                "name": f"Customer {i:07d}",
                "email": f"customer{i}@example{i % 97}.com",
                "status": STATUSES[i % 5],
                "city": CITIES[rnd.randrange(1000)],
                "qty": rnd.randrange(100_000),
                "price": round(rnd.random() * 1000, 2),
                "active": i % 3 != 0,
                "created": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "note": None if i % 4 else f"note {i}",
            }
            for i in range(start, min(start + PAGE, rows))
        ]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def median_us(action: Callable[[int], object], n: int = 2000) -> float:
    times = []
    for i in range(n):
        t0 = time.perf_counter_ns()
        action(i)
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times) / 1000


def timed(action: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    action()
    return time.perf_counter() - t0


def main(rows: int = 1_000_000) -> None:
    columns = [
        Column("id", type="integer", read_only=True),
        Column("qty", type="integer", min=0),
        Column("status", type="choice", choices=STATUSES),
    ]
    results: list[tuple[str, str]] = []
    gc.collect()
    rss0 = rss_mb()

    # Load with tracemalloc off (it slows allocation down a lot), then once more with it on.
    table = Table(columns, key=["id"])
    load = timed(lambda: [table.append_page(p) for p in pages(rows)])
    rss_delta = rss_mb() - rss0
    results.append((f"append {rows:,} rows x 10 cols, pages of {PAGE}", f"{load:.2f} s"))
    results.append(("RSS delta after load", f"{rss_delta:.0f} MB"))

    del table
    gc.collect()
    tracemalloc.start()
    table = Table(columns, key=["id"])
    for page in pages(rows):
        table.append_page(page)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    results.append(("tracemalloc current / peak", f"{current / 2**20:.0f} / {peak / 2**20:.0f} MB"))
    results.append(("  of which column data", f"{table._store.nbytes() / 2**20:.0f} MB"))
    kinds = ", ".join(f"{c}:{table._store.column_kind(c)[:-6]}" for c in table.columns)
    results.append(("  column representations", kinds))

    rnd = random.Random(1)
    picks = [rnd.randrange(rows) for _ in range(4000)]
    results.append(
        ("one cell edit (median)", f"{median_us(lambda i: table.edit(picks[i], 'qty', i)):.1f} us")
    )
    results.append(
        (
            "one value() read, edited cell",
            f"{median_us(lambda i: table.value(picks[i], 'qty')):.2f} us",
        )
    )
    results.append(
        (
            "one value() read, packed text",
            f"{median_us(lambda i: table.value(picks[i], 'name')):.2f} us",
        )
    )
    results.append(("one undo (median)", f"{median_us(lambda i: table.undo(), 1000):.1f} us"))
    results.append(
        (
            "visible_rows + 40x10 cells",
            f"{median_us(lambda i: _screen(table, picks[i]), 200):.0f} us",
        )
    )
    results.append(("sort by qty (int)", f"{timed(lambda: table.sort('qty')):.2f} s"))
    results.append(("sort by name (unique text)", f"{timed(lambda: table.sort('name')):.2f} s"))
    results.append(("sort by city (1,000 distinct)", f"{timed(lambda: table.sort('city')):.2f} s"))
    table.clear_view()
    shown = 0

    def filter_city() -> None:
        nonlocal shown
        shown = table.filter("city 42", column="city")

    took = timed(filter_city)
    results.append((f"filter city contains 'city 42' ({shown:,} rows)", f"{took:.2f} s"))
    results.append(
        ("filter any column contains '4242'", f"{timed(lambda: table.filter('4242')):.2f} s")
    )
    results.append(
        (
            "filter qty > 99,000 (predicate)",
            f"{timed(lambda: table.filter(column='qty', where=lambda v: v > 99_000)):.2f} s",
        )
    )
    table.clear_view()
    results.append(
        (
            "search next 'customer 0999999'",
            f"{timed(lambda: table.search('customer 0999999', 0)):.2f} s",
        )
    )
    results.append(("changes() with 4,000 edits", f"{timed(table.changes):.3f} s"))
    results.append(("peak RSS of the process", f"{_peak_rss_mb():.0f} MB"))

    width = max(len(name) for name, _ in results)
    print(f"{'measure':<{width}}  result")
    print(f"{'-' * width}  ------")
    for name, value in results:
        print(f"{name:<{width}}  {value}")


def _screen(table: Table, start: int) -> None:
    for row in table.visible_rows(start, start + 40):
        for column in table.columns:
            table.value(row, column)
            table.cell_state(row, column)


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
