"""What conflict checks cost: a losing push and a clean one, against the demo server.

    python benchmarks/reread.py [--runs N]

Through the workspace (lock, journal, audit, requests), in one process; the demo
server in another, with 5,000 products, no latency. Each case is a median of --runs
(default 3), next to its peer measured in the same run; each shows the whole
write_back and, apart, the time the destination's lock was held (others wait that long):

  losing push of 100 rows   every row changed on the server since the load:
                            conflict_check = "reread" (rows re-read, all conflicts,
                            nothing written) next to "etag" (If-Match, 412 each, the
                            server's values then read for the conflict screen)
  clean push of 1,000 rows  conflict_check = "reread": one table re-read (1,000 rows
                            are 5% or more of the table) next to re-reading row by row,
                            and to "etag" (no re-read at all: the floor)

Not a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import msgspec.structs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.writeback import start_server  # noqa: E402
from tui.config.model import Config  # noqa: E402
from tui.secrets import SecretStore  # noqa: E402
from tui.state import Identity, StateStore  # noqa: E402
from tui.workspace import Workspace  # noqa: E402
from tui.writeback import conflicts  # noqa: E402

DEST = "products"


def with_check(config: Config, check: str, state: Path) -> Config:
    dest = msgspec.structs.replace(config.destinations[DEST], conflict_check=check)
    return msgspec.structs.replace(
        config,
        destinations={**config.destinations, DEST: dest},
        state=msgspec.structs.replace(config.state, path=state),
    )


async def push(
    config: Config, state: StateStore, ids: range, mark: int, api: str, losing: bool
) -> tuple[float, float]:
    """Load, change qty of `ids`, and (for a losing push) let the server move on first;
    returns the seconds write_back took and the seconds it held the lock."""
    ws = Workspace(config, DEST, state, Identity("bench", "benchhost", 1), SecretStore())
    await ws.load()
    for product in ids:
        ws.table.edit(ws.table.find({"id": product}), "qty", mark + product)
    if losing:  # someone else writes the same rows after our load
        async with httpx.AsyncClient(timeout=30) as client:
            await asyncio.gather(
                *(client.patch(f"{api}/products/{p}", json={"qty": mark + p + 1}) for p in ids)
            )
    locked = LockClock(state)
    started = time.perf_counter()
    try:
        report = await ws.write_back()
    finally:
        locked.stop()
    seconds = time.perf_counter() - started
    expected = len(ids) if losing else 0
    assert len(report.conflicts) == expected, report.summary
    return seconds, locked.held


class LockClock:
    """Adds up the time between taking the destination's lock and giving it back."""

    def __init__(self, state: StateStore) -> None:
        self.locks = state.locks
        self.held = 0.0
        self._since = 0.0
        acquire, release = self.locks.acquire, self.locks.release

        def timed_acquire(*args, **kwargs):  # type: ignore[no-untyped-def]
            taken = acquire(*args, **kwargs)
            self._since = time.perf_counter()
            return taken

        def timed_release(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.held += time.perf_counter() - self._since
            return release(*args, **kwargs)

        self.locks.acquire = timed_acquire  # type: ignore[method-assign]
        self.locks.release = timed_release  # type: ignore[method-assign]

    def stop(self) -> None:
        del self.locks.acquire, self.locks.release  # the class's methods again


def median_of(runs: int, measure) -> str:  # type: ignore[no-untyped-def]
    timings = [measure(n) for n in range(runs)]
    total, locked = (statistics.median(t[i] for t in timings) * 1000 for i in (0, 1))
    return f"{total:8.0f} ms {locked:11.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wb-reread-") as tmp:
        server, config = start_server(Path(tmp), 5000)
        api = config.integrations["demo"].url
        state_path = Path(tmp) / "bench-state.db"
        rows: list[tuple[str, str]] = []
        try:
            with StateStore(state_path) as state:

                def run(
                    check: str, ids: range, mark: int, losing: bool = False
                ) -> tuple[float, float]:
                    cfg = with_check(config, check, state_path)
                    return asyncio.run(push(cfg, state, ids, mark, api, losing))

                losing = range(1, 101)
                for check in ("reread", "etag"):
                    label = f"losing push, 100 rows, conflict_check = {check!r}"
                    rows.append(
                        (
                            label,
                            median_of(
                                args.runs, lambda n, c=check: run(c, losing, 900 + 10 * n, True)
                            ),
                        )
                    )
                clean = range(1001, 2001)
                mark = int(time.time()) % 1000 * 10_000
                rows.append(
                    (
                        "clean push, 1,000 rows, reread: the table once",
                        median_of(args.runs, lambda n: run("reread", clean, mark + n * 5000)),
                    )
                )
                share, conflicts.TABLE_SHARE = conflicts.TABLE_SHARE, 2.0  # never the table
                rows.append(
                    (
                        "clean push, 1,000 rows, reread: row by row (peer)",
                        median_of(
                            args.runs, lambda n: run("reread", clean, mark + 2 * 10**6 + n * 5000)
                        ),
                    )
                )
                conflicts.TABLE_SHARE = share
                rows.append(
                    (
                        "clean push, 1,000 rows, etag: no re-read (floor)",
                        median_of(
                            args.runs, lambda n: run("etag", clean, mark + 4 * 10**6 + n * 5000)
                        ),
                    )
                )
        finally:
            server.terminate()
            server.wait()
    width = max(len(label) for label, _ in rows) + 2
    print(f"{'write_back, median of ' + str(args.runs):<{width}}   total  under lock")
    for label, value in rows:
        print(f"{label:<{width}}{value}")


if __name__ == "__main__":
    main()
