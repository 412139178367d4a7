"""Writeback speed: 10,000 changed demo products, row by row and in batches of 500.

    python benchmarks/writeback.py [--rows N] [--runs N] [--ceiling-levels 4,8,32]

The demo server runs in its own process (`python -m tui demo --serve-only`), so it
does not share our GIL, on a database seeded in a temporary directory.  Every run
changes `qty` of every row; before each run the rows are loaded again (not timed)
so that each carries its current `_etag`.

(a) one request per row: PATCH /products/{id}, a JSON Patch body and If-Match from
    the row's ETag (destination `products`, conflict_check = "etag": rows with an
    ETag are not re-read, the server checks If-Match, so one request per row)
      ceiling    bare httpx.AsyncClient, the same requests, at 4, 8 and 32 in
                 flight; the best of these is the server's ceiling (the demo server
                 is slower at 32 than at 4-8: its SQLite writers queue for one lock)
      sequential one httpx.Client, the same requests one after another
      writeback  tui.writeback.execute.write_back at the integration's default
                 concurrency (max_concurrency = 4)
(b) batched: destination `products_batch`, POST /products/actions/update with 500
    rows per request, answered 207.  One request carries many rows, so it cannot
    carry If-Match per row: the engine re-reads the rows first (one pass over the
    table in pages of 1,000) and compares them with the loaded values.  Shown with
    that re-read and, for comparison, with the same rows forced (`overwrite=`),
    which sends the batches alone.

Prints medians of a few runs: seconds, rows per second, ratio to the ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.config import parse_config  # noqa: E402
from tui.config.model import Config  # noqa: E402
from tui.rest.connection import Connection  # noqa: E402
from tui.rest.load import load_rows  # noqa: E402
from tui.secrets import SecretStore  # noqa: E402
from tui.writeback.changes import RowChange  # noqa: E402
from tui.writeback.execute import write_back  # noqa: E402
from tui.writeback.plan import PlannedRequest, plan  # noqa: E402
from tui.writeback.results import RowResult  # noqa: E402


def start_server(directory: Path, rows: int) -> tuple[subprocess.Popen[str], Config]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "demo", "--serve-only", "--port", "0"]
        + ["--data-dir", str(directory), "--rows", str(rows)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("config:"):
            config_path = Path(line.split(":", 1)[1].strip())
            return proc, parse_config(config_path.read_text(encoding="utf-8"))
    raise RuntimeError("the demo server did not start")


def load(config: Config) -> list[dict[str, Any]]:
    dest = config.destinations["products"]
    pages = load_rows(config.integrations["demo"], dest, SecretStore())
    return [record for page in pages for record in page.records]


def changes_of(rows: list[dict[str, Any]], batch: bool = False) -> list[RowChange]:
    changes = []
    for row in rows:
        qty = (row["qty"] + 1) % 10_000
        etag = row.get("_etag")
        values = {k: v for k, v in row.items() if k != "_etag"}
        changes.append(
            RowChange(
                row["id"],
                "update",
                {"id": row["id"]},
                {**values, "qty": qty},
                {"qty": qty},
                {"qty": row["qty"]},
                etag,
            )
        )
    return changes


def url_of(config: Config, planned: PlannedRequest) -> str:
    return config.integrations["demo"].url.rstrip("/") + planned.path


def sequential(config: Config, requests: list[PlannedRequest]) -> int:
    ok = 0
    with httpx.Client(timeout=30) as client:
        for p in requests:
            response = client.request(
                p.method, url_of(config, p), headers=dict(p.headers), content=p.body
            )
            ok += response.is_success
    return ok


async def ceiling(config: Config, requests: list[PlannedRequest], concurrency: int) -> int:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    queue = iter(requests)
    ok = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal ok
        for p in queue:
            response = await client.request(
                p.method, url_of(config, p), headers=dict(p.headers), content=p.body
            )
            ok += response.is_success

    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return ok


def engine(
    config: Config, dest_id: str, changes: list[RowChange], force: bool = False
) -> list[RowResult]:
    dest = config.destinations[dest_id]

    async def go() -> list[RowResult]:
        async with Connection(config.integrations["demo"], SecretStore()) as conn:
            overwrite = [c.row_id for c in changes] if force else []
            return await write_back(conn, dest, changes, overwrite=overwrite)

    return asyncio.run(go())


def timed(prepare: Callable[[], Any], action: Callable[[Any], int], runs: int, rows: int) -> float:
    times = []
    for _ in range(runs):
        prepared = prepare()
        started = time.perf_counter()
        done = action(prepared)
        times.append(time.perf_counter() - started)
        assert done == rows, f"{done} of {rows} rows written"
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ceiling-levels", default="4,8,32")
    args = parser.parse_args()
    n = args.rows

    def done(results: list[RowResult]) -> int:
        return sum(r.status == "done" for r in results)

    with tempfile.TemporaryDirectory(prefix="writeback-bench-") as tmp:
        started = time.perf_counter()
        proc, config = start_server(Path(tmp), n)
        print(
            f"seeded and started the demo server (own process) in {time.perf_counter() - started:.1f} s"
        )
        try:
            products = config.destinations["products"]
            concurrency = config.integrations["demo"].max_concurrency

            def planned() -> list[PlannedRequest]:
                return plan(products, changes_of(load(config)))

            levels = [int(level) for level in args.ceiling_levels.split(",")]
            asyncio.run(ceiling(config, planned()[:500], levels[0]))  # warm up
            t_bare = {
                level: timed(
                    planned,
                    lambda reqs, level=level: asyncio.run(ceiling(config, reqs, level)),
                    args.runs,
                    n,
                )
                for level in levels
            }
            t_ceiling = min(t_bare.values())
            t_seq = timed(planned, lambda reqs: sequential(config, reqs), args.runs, n)
            t_row = timed(
                lambda: changes_of(load(config)),
                lambda ch: done(engine(config, "products", ch)),
                args.runs,
                n,
            )
            t_batch = timed(
                lambda: changes_of(load(config)),
                lambda ch: done(engine(config, "products_batch", ch)),
                args.runs,
                n,
            )
            t_batch_forced = timed(
                lambda: changes_of(load(config)),
                lambda ch: done(engine(config, "products_batch", ch, force=True)),
                args.runs,
                n,
            )
        finally:
            proc.terminate()
            proc.wait()

    print(f"\n{n:,} changed rows, median of {args.runs} runs\n")
    print(f"{'':<50}{'seconds':>9}{'rows/s':>10}{'vs ceiling':>12}")

    def line(label: str, seconds: float, versus: bool = True) -> None:
        ratio = f"{t_ceiling / seconds:>11.0%}" if versus else f"{'':>11}"
        print(f"{label:<50}{seconds:>9.2f}{n / seconds:>10,.0f} {ratio}")

    print("(a) one request per row (PATCH + If-Match)")
    for level, seconds in t_bare.items():
        best = " = ceiling" if seconds == t_ceiling else ""
        line(f"  bare httpx.AsyncClient, {level} in flight{best}", seconds)
    line("  sequential: one httpx.Client", t_seq)
    line(f"  write_back, max_concurrency = {concurrency}", t_row)
    print("(b) batched, 500 rows per request (207)")
    line("  write_back, with the conflict re-read", t_batch, versus=False)
    line("  write_back, batches only (overwrite)", t_batch_forced, versus=False)
    print(
        f"\ntargets: per-row >= 70% of the ceiling: {t_ceiling / t_row:.0%}"
        f" ({'met' if t_ceiling / t_row >= 0.7 else 'missed'});"
        f" batched < 2 s: {t_batch:.2f} s ({'met' if t_batch < 2 else 'missed'})"
    )


if __name__ == "__main__":
    main()
