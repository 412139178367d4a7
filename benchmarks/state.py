"""The shared state on SQLite: lock latency, audit append rate, queries at 1,000,000 entries,
and the draft journal's save time.

    python benchmarks/state.py [--entries N] [--rounds N]

(a) locks: acquire + release of a destination's lease (each its own write
    transaction, audited), alone; with a second process taking and releasing
    another destination's lock in the same file (contention for the file's
    write lock); and with it taking the same destination's lock for 2 ms at a
    time (we wait for its lease, polling every locks.POLL_S as a writeback does).
(b) audit appends: one entry per transaction (as a writeback records rows as
    they finish), and 1,000 per transaction.
(c) the latest 100 entries of a trail of N (default 1,000,000) entries, filled
    with one executemany in one transaction on the real schema: all, by
    destination, by user, both, since a time, and the tail `--follow` reads.
(d) the draft journal: Workspace.journal() of one edit (its step appended) after
    change sets of 10, 1,000 and 10,000 edits on 20,000 loaded products, the
    snapshot of the whole change set for comparison, and restoring the draft.

Prints medians and 95th percentiles. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.config import parse_config  # noqa: E402
from tui.demo.config_text import demo_config_text  # noqa: E402
from tui.secrets import SecretStore  # noqa: E402
from tui.state import AuditEntry, Identity, StateStore  # noqa: E402
from tui.state.db import now_us  # noqa: E402
from tui.workspace import Workspace  # noqa: E402

DEST = "products"
LOGINS = [f"user{i:02d}" for i in range(20)]
DESTINATIONS = [f"dest{i}" for i in range(10)]
AUDIT_COLUMNS = (
    "at_us, login, host, ssh_client, destination, integration, event, row_key, before, after,"
    " method, url, status, outcome, error, duration_ms, writeback_id"
)

# how long the rival holds each lease: short, so that waits show the polling
HOLD_S = 0.002

Row = tuple[str, str]


# ------------------------------------------------------------------ measuring


def ms(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:8.3f} ms   p95 {p95 * 1000:8.3f} ms"


def repeat(action: Callable[[], object], n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def me(login: str = "bench") -> Identity:
    return Identity(login, "benchhost", os.getpid())


# ------------------------------------------------------------------ (a) locks


def contend(path: str, destination: str) -> None:
    """The second process: take and give back a lock until killed."""
    state = StateStore(Path(path))
    who = Identity("rival", "rivalhost", os.getpid())
    print("ready", flush=True)
    while True:
        state.locks.acquire(destination, who, 30, wait=60)
        time.sleep(HOLD_S)
        state.locks.release(destination, who)
        time.sleep(HOLD_S / 2)  # a breath between leases, as any real holder takes


def lock_round(state: StateStore, who: Identity, pause: float) -> tuple[float, float]:
    time.sleep(pause)  # untimed: lets the rival's polling find the lease free now and then
    started = time.perf_counter()
    state.locks.acquire(DEST, who, 30, wait=30)
    taken = time.perf_counter()
    state.locks.release(DEST, who)
    return taken - started, time.perf_counter() - taken


def locks(directory: Path, rounds: int) -> list[Row]:
    path = directory / "locks.db"
    state = StateStore(path)
    rows: list[Row] = []
    cases = (("alone", None), ("rival, other dest", "elsewhere"), ("rival, same dest", DEST))
    for label, rival_dest in cases:
        rival = None
        if rival_dest:
            rival = subprocess.Popen(
                [sys.executable, __file__, "--contend", str(path), rival_dest],
                stdout=subprocess.PIPE,
                text=True,
            )
            rival.stdout.readline()  # type: ignore[union-attr]
        n = rounds if rival_dest != DEST else max(50, rounds // 10)
        pause = HOLD_S if rival_dest == DEST else 0.0
        pairs = [lock_round(state, me(), pause) for _ in range(n)]
        if rival:
            rival.kill()
            rival.wait()
        waited = sum(1 for a, _r in pairs if a > 0.001)
        rows.append((f"lock acquire, {label} ({n}x, {waited} waited)", ms([a for a, _r in pairs])))
        rows.append((f"lock release, {label}", ms([r for _a, r in pairs])))
        rows.append((f"lock acquire+release, {label}", ms([a + r for a, r in pairs])))
    state.close()
    return rows


# ------------------------------------------------------------------ (b) audit appends


def entry(n: int) -> AuditEntry:
    return AuditEntry.now(me(LOGINS[n % 20]), DESTINATIONS[n % 10], "update").but(
        integration="demo",
        row_key={"id": n},
        before={"qty": n},
        after={"qty": n + 1},
        method="PATCH",
        url=f"https://api.example.com/v1/products/{n}",
        status=204,
        outcome="done",
        duration_ms=12.5,
        writeback_id="0123456789ab",
    )


def appends(directory: Path, count: int) -> list[Row]:
    state = StateStore(directory / "append.db")
    rows = append_rates(state, count)
    state.close()
    return rows


def append_rates(state: StateStore, count: int) -> list[Row]:
    """Entries per second, one per transaction and 1,000 per transaction (any backend)."""
    started = time.perf_counter()
    for n in range(count):
        state.audit.append(entry(n))
    single = count / (time.perf_counter() - started)
    started = time.perf_counter()
    for first in range(0, count * 10, 1000):
        with state.db.write() as conn:
            for n in range(first, first + 1000):
                state.audit.add(conn, entry(n))
    batched = count * 10 / (time.perf_counter() - started)
    return [
        (f"audit append, 1 per transaction ({count:,})", f"{single:12,.0f} entries/s"),
        (f"audit append, 1,000 per transaction ({count * 10:,})", f"{batched:12,.0f} entries/s"),
    ]


# ------------------------------------------------------------------ (c) queries


def fill(state: StateStore, count: int) -> float:
    """`count` entries over the last 30 days, oldest first, in one transaction."""
    rnd = random.Random(3)
    now, span = now_us(), 30 * 86_400 * 1_000_000

    def rows():  # type: ignore[no-untyped-def]
        for n in range(count):
            # user19 is rare: about one entry in 10,000
            login = "user19" if n % 10_000 == 7 else LOGINS[rnd.randrange(19)]
            yield (
                now - span + span * n // count,
                login,
                "host1",
                None,
                DESTINATIONS[rnd.randrange(10)],
                "demo",
                "update",
                json.dumps({"id": n}),
                json.dumps({"qty": n}),
                json.dumps({"qty": n + 1}),
                "PATCH",
                f"https://api.example.com/v1/products/{n}",
                204,
                "done",
                None,
                10.0,
                f"wb{n // 50:010d}",
            )

    marks = ", ".join("?" * 17)
    started = time.perf_counter()
    with state.db.write() as conn:
        conn.executemany(f"INSERT INTO audit ({AUDIT_COLUMNS}) VALUES ({marks})", rows())
    return time.perf_counter() - started


def queries(directory: Path, count: int, rounds: int) -> list[Row]:
    path = directory / "audit.db"
    state = StateStore(path)
    seconds = fill(state, count)
    size = sum(p.stat().st_size for p in directory.glob("audit.db*")) / 1e6
    rows: list[Row] = [
        (f"fill {count:,} entries (one transaction)", f"{seconds:8.1f} s, {size:,.0f} MB")
    ]
    state.close()
    state = StateStore(path)  # a cold start, as `writeback audit` is
    latest = state.audit.latest_id()
    hour_ago = datetime.fromtimestamp((now_us() - 3600e6) / 1e6).astimezone()
    minute_ago = datetime.fromtimestamp((now_us() - 60e6) / 1e6).astimezone()
    audit = state.audit
    cases: list[tuple[str, Callable[[], list]]] = [
        ("latest 100, all", lambda: audit.query()),
        ("latest 100, one destination (1 in 10)", lambda: audit.query(destination="dest3")),
        ("latest 100, one user (1 in 19)", lambda: audit.query(user="user04")),
        ("latest 100, a rare user (1 in 10,000)", lambda: audit.query(user="user19")),
        ("latest 100, destination and user", lambda: audit.query("dest3", "user04")),
        ("latest 100, since an hour ago", lambda: audit.query(since=hour_ago)),
        ("latest 100, since a minute ago (< 100 match)", lambda: audit.query(since=minute_ago)),
        ("follow: after the last id", lambda: audit.query(after_id=latest, limit=None)),
        ("follow: latest_id()", lambda: audit.latest_id()),
    ]
    for label, action in cases:
        found = len(action()) if label != "follow: latest_id()" else 1
        rows.append((f"{label} [{found}]", ms(repeat(action, rounds))))
    state.close()
    return rows


# ------------------------------------------------------------------ (d) the draft journal


def products(count: int) -> list[dict[str, object]]:
    regions = ("EMEA", "AMER", "APAC", "LATAM")
    return [
        {
            "id": i + 1,
            "sku": f"PRD-{i + 1:05d}",
            "name": f"Product {i + 1}",
            "region": regions[i % 4],
            "price": round(1 + (i % 997) * 0.37, 2),
            "qty": i % 5000,
            "active": i % 3 != 0,
            "launch_date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "_etag": f'W/"{i:08x}"',
            "category": f"Category {i % 40}",
            "owner": f"owner{i % 25}",
        }
        for i in range(count)
    ]


def journal(directory: Path, loaded: int) -> list[Row]:
    config = parse_config(demo_config_text("http://127.0.0.1:9/api/v1", directory / "j.db"))
    records = products(loaded)
    rows: list[Row] = []
    with StateStore(directory / "journal.db") as state:
        for edits in (10, 1_000, 10_000):
            ws = Workspace(config, DEST, state, me(), SecretStore())
            ws.table.append_page(records)
            # mixed as people edit: 80% changed values, 10% new rows, 10% deleted rows
            for i in range(edits * 8 // 10):
                ws.table.edit(i, "qty", 90_000 + i)
            for i in range(edits // 10):
                ws.table.add_row({"name": f"New {i}", "sku": f"PRD-9{i:05d}", "region": "EMEA"})
            ws.table.delete_rows(range(loaded - edits // 10, loaded))
            size = len(json.dumps(ws.table.snapshot(), default=str)) / 1e3
            ws.journal()  # the change set so far
            saves = []
            for n in range(20):  # then one edit's step at a time, as after each edit
                ws.table.edit(n, "qty", 80_000 + n)
                started = time.perf_counter()
                ws.journal()
                saves.append(time.perf_counter() - started)
            snaps = repeat(ws.table.snapshot, 10)
            fresh = Workspace(config, DEST, state, me(), SecretStore())
            fresh.table.append_page(records)
            restore = repeat(fresh.restore_draft, 3)
            assert fresh.table.changes() == ws.table.changes()
            rows.append((f"journal() of one edit after {edits:,} ({size:,.0f} kB)", ms(saves)))
            rows.append(("  of which table.snapshot()", ms(snaps)))
            rows.append(("  restore_draft() after restart", ms(restore)))
    return rows


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2000, help="lock rounds (default 2000)")
    parser.add_argument("--contend", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contend:
        contend(*args.contend)
        return
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="wb-state-bench-") as tmp:
        directory = Path(tmp)
        for part in (
            lambda: locks(directory, args.rounds),
            lambda: appends(directory, 5000),
            lambda: queries(directory, args.entries, 50),
            lambda: journal(directory, 20_000),
        ):
            for label, value in part():
                rows.append((label, value))
                print(f"{label:<52} {value}", flush=True)


if __name__ == "__main__":
    main()
