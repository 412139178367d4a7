"""Loading speed: 100,000 demo products in pages of 1,000, against the bare-fetch ceiling.

    python benchmarks/load.py [--rows N] [--page N] [--runs N]

The demo server runs in its own process (so it does not share our GIL) on a
database seeded in a temporary directory.  Both sides fetch the same URLs
(offset + limit pages):

  ceiling   a bare httpx.Client loop that reads each page's bytes, no decoding
  writeback tui.rest.load.load_rows: the full engine (limits, trust, decoding,
            flattening, pagination)

Prints the median of a few runs, rows per second, the ratio to the ceiling and
the peak Python memory of one extra loader run (tracemalloc).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.config import parse_config  # noqa: E402
from tui.rest.load import load_rows  # noqa: E402
from tui.secrets import SecretStore  # noqa: E402

_SERVER = """
import sys
from tui.demo import DemoServer, seed_database
seed_database(sys.argv[1], rows=int(sys.argv[2]))
server = DemoServer(sys.argv[1])
print(server.api_url, flush=True)
server.serve_forever()
"""


def start_server(directory: Path, rows: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(directory / "demo.db"), str(rows)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def bare_fetch(api_url: str, rows: int, page: int) -> int:
    fetched = 0
    with httpx.Client(timeout=30) as client:
        for offset in range(0, rows, page):
            response = client.get(f"{api_url}/products", params={"offset": offset, "limit": page})
            fetched += len(response.content)
    return rows


def engine_load(api_url: str, page: int) -> int:
    cfg = parse_config(
        f"""
[integrations.demo]
url = "{api_url}"
[destinations.products]
integration = "demo"
path = "/products"
[destinations.products.load]
records = "data"
pagination = {{ type = "offset", count = {page} }}
"""
    )
    count = 0
    pages = load_rows(cfg.integrations["demo"], cfg.destinations["products"], SecretStore())
    for result in pages:
        count += len(result.records)
    return count


def timed(fn: Callable[[], int], runs: int) -> tuple[float, int]:
    times = []
    count = 0
    for _ in range(runs):
        started = time.perf_counter()
        count = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="writeback-bench-") as tmp:
        started = time.perf_counter()
        proc, api_url = start_server(Path(tmp), args.rows)
        print(f"seeded and started the demo server in {time.perf_counter() - started:.1f} s")
        try:
            bare_fetch(api_url, args.rows, args.page)  # warm the server's caches
            ceiling, _ = timed(lambda: bare_fetch(api_url, args.rows, args.page), args.runs)
            engine, count = timed(lambda: engine_load(api_url, args.page), args.runs)
            tracemalloc.start()
            engine_load(api_url, args.page)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            proc.terminate()
            proc.wait()
    assert count == args.rows, f"loaded {count} rows, expected {args.rows}"
    pages = -(-args.rows // args.page)
    print(f"\n{args.rows:,} rows in {pages} pages of {args.page:,}, median of {args.runs} runs\n")
    print(f"{'':<22}{'seconds':>9}{'rows/s':>12}{'vs ceiling':>12}")
    print(f"{'bare httpx (ceiling)':<22}{ceiling:>9.2f}{args.rows / ceiling:>12,.0f}{1:>11.2f}x")
    print(
        f"{'writeback load':<22}{engine:>9.2f}{args.rows / engine:>12,.0f}{engine / ceiling:>11.2f}x"
    )
    print(f"\npeak Python memory during one load (tracemalloc): {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
