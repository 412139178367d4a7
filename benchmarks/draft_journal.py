"""The draft journal per edit: what one edit appends after a big change set, on SQLite
(and on PostgreSQL with --postgres: the URL given, or a throwaway cluster).

    python benchmarks/draft_journal.py [--cells N ...] [--edits N] [--postgres [URL]]

For each change set size N (default 1,000 and 1,000,000 cells): a table of N+1 loaded
rows (id, qty), one fill-down of N cells (one undo step), journaled
(`Workspace.journal()`: the step's records, JSON, one INSERT; a step this big on the
journal's own thread); then `--edits` single cell edits, each followed by
`Workspace.journal()` as the app does after every step. Prints the fill-down's
journal() on the editing thread and the time its thread took to write it, the median and
p95 time of one edit's append, the bytes one edit writes, and the time to restore
the draft (snapshot + steps folded) into a fresh table. Compaction is left to its
background thread, as in the app. Not a timed test.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.config import parse_config  # noqa: E402
from tui.demo.config_text import demo_config_text  # noqa: E402
from tui.secrets import SecretStore  # noqa: E402
from tui.state import Identity, StateStore  # noqa: E402
from tui.workspace import Workspace  # noqa: E402

DEST = "products"


def run(state: StateStore, config_db: Path, cells: int, edits: int) -> list[tuple[str, str]]:
    config = parse_config(demo_config_text("http://127.0.0.1:9/api/v1", config_db))
    who = Identity(f"bench{cells}", "benchhost", 0)
    ws = Workspace(config, DEST, state, who, SecretStore())
    ws.table.append_page([{"id": i + 1, "qty": i % 5000} for i in range(cells + 1)])
    ws.journal()
    rows = list(range(cells + 1))
    started = time.perf_counter()
    ws.table.fill_down(rows, ["qty"])
    filled = time.perf_counter() - started
    started = time.perf_counter()
    ws.journal()
    fill_append = time.perf_counter() - started
    started = time.perf_counter()
    state.journal.settle()  # a big step is encoded and written by the journal's thread
    fill_written = time.perf_counter() - started
    [(big,)] = state.db.read("SELECT coalesce(max(length(step)), 0) FROM draft_steps")
    times, sizes = [], []
    for n in range(edits):
        ws.table.edit(1 + n % cells, "qty", 90_000 + n)
        started = time.perf_counter()
        sizes.append(ws.journal())
        times.append(time.perf_counter() - started)
    state.compactor.wait()
    fresh = Workspace(config, DEST, state, who, SecretStore())
    fresh.table.append_page([{"id": i + 1, "qty": i % 5000} for i in range(cells + 1)])
    started = time.perf_counter()
    fresh.restore_draft()
    restore = time.perf_counter() - started
    assert fresh.table.counts().changed_values == ws.table.counts().changed_values
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return [
        (f"{cells:,} cells: fill down (table)", f"{filled * 1000:10.1f} ms"),
        (f"{cells:,} cells: its journal() on the editing thread", f"{fill_append * 1000:10.1f} ms"),
        (
            f"{cells:,} cells: then written by the journal's thread",
            f"{fill_written * 1000:10.1f} ms, {big:,} B",
        ),
        (
            f"{cells:,} cells: one edit's append",
            f"median {statistics.median(times) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms",
        ),
        (f"{cells:,} cells: bytes per edit", f"{statistics.median(sizes):,.0f} B"),
        (f"{cells:,} cells: restore (fold + table)", f"{restore * 1000:10.1f} ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, nargs="+", default=[1_000, 1_000_000])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument(
        "--postgres", nargs="?", const="", help="also on PostgreSQL: an empty database's URL"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        targets: list[tuple[str, str | Path]] = [("sqlite", Path(tmp) / "state.db")]
        if args.postgres is not None:
            from benchmarks.state_backends import postgres_url

            targets.append(("postgres", stack.enter_context(postgres_url(args.postgres or None))))
        for name, target in targets:
            with StateStore(target) as state:
                for cells in args.cells:
                    for label, value in run(state, Path(tmp) / "demo.db", cells, args.edits):
                        print(f"{name:8} {label:44} {value}", flush=True)


if __name__ == "__main__":
    main()
