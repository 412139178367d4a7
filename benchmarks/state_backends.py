"""The shared state on SQLite and on PostgreSQL, side by side.

    python benchmarks/state_backends.py [--entries N] [--rounds N] [--url postgresql://...]

Measures through StateStore, in one process, with the measuring functions and
the trail of benchmarks/state.py (which goes deeper into SQLite alone):

  lock         acquire + release of one destination (two transactions, each audited)
  append       audit entries, one per transaction (as a writeback records its rows)
               and 1,000 per transaction
  journal      saving a draft of 50 changed rows whole (after a writeback), and
               appending one edit's step (after every edit in the grid)
  change seen  from another store's append until wait_for_change returns: SQLite is
               polled every 0.1 s, PostgreSQL pushes a notification at commit
  queries      the latest 100 entries of a trail of N (default 1,000,000): all, by
               destination, by user; and what `--follow` reads

SQLite runs in a temporary directory (WAL, synchronous = NORMAL, as shipped).
Without --url a throwaway PostgreSQL 15 cluster is started on 127.0.0.1 as the
tests start it: fsync and synchronous_commit off, so commits cost no disk flush
there, while SQLite's WAL commits do not flush either (NORMAL). Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.state import DEST, append_rates, entry, fill, me, ms, repeat  # noqa: E402
from tui.state import StateStore  # noqa: E402

Results = dict[str, str]


def locks(store: StateStore, rounds: int) -> Results:
    who = me()

    def cycle() -> None:
        store.locks.acquire(DEST, who, 60)
        store.locks.release(DEST, who)

    return {"lock acquire + release": ms(repeat(cycle, rounds))}


def journal(store: StateStore, rounds: int) -> Results:
    store.start_session(me())
    snapshot = {"updates": [{"key": {"id": i}, "set": {"qty": i}} for i in range(50)]}
    step = [["s", {"key": {"id": 7}}, "qty", 70, 7, True]]
    saves = repeat(lambda: store.journal.save(me().login, DEST, snapshot), rounds)
    appends = repeat(lambda: store.journal.append(me().login, DEST, step), rounds)
    return {
        "journal save, 50 changed rows": ms(saves),
        "journal append, one edit's step": ms(appends),
    }


def change_seen(watcher: StateStore, writer: StateStore, rounds: int) -> Results:
    watcher.wait_for_change(0)  # the first call starts watching
    delays = []
    for n in range(rounds):
        pushed: list[float] = []

        def push(pushed: list[float] = pushed, n: int = n) -> None:
            pushed.append(time.perf_counter())
            writer.audit.append(entry(n))

        threading.Timer(0.02, push).start()
        assert watcher.wait_for_change(5)
        delays.append(time.perf_counter() - pushed[0])
    return {"change seen by another store": ms(delays)}


def queries(store: StateStore, count: int, rounds: int) -> Results:
    seconds = fill(store, count)
    if store.db.dialect == "postgres":
        with store.db.write() as conn:
            conn.execute("ANALYZE audit")  # as autovacuum would, soon after a bulk load
    latest = store.audit.latest_id()
    audit = store.audit
    cases: dict[str, Callable[[], object]] = {
        "latest 100, all": lambda: audit.query(),
        "latest 100, one destination (1 in 10)": lambda: audit.query(destination="dest3"),
        "latest 100, one user (1 in 19)": lambda: audit.query(user="user04"),
        "follow: 100 after an id": lambda: audit.query(after_id=latest - 100, limit=None),
        "follow: latest_id()": audit.latest_id,
    }
    results = {f"fill {count:,} entries (one transaction)": f"{seconds:8.1f} s"}
    for label, action in cases.items():
        results[label] = ms(repeat(action, rounds))
    return results


def measure(open_store: Callable[[], StateStore], entries: int, rounds: int) -> Results:
    store, other = open_store(), open_store()
    try:
        return {
            **locks(store, rounds),
            **dict(append_rates(store, 2000)),
            **journal(store, rounds),
            **change_seen(store, other, 50),
            **queries(store, entries, 50),
        }
    finally:
        store.close()
        other.close()


@contextmanager
def postgres_url(url: str | None) -> Iterator[str]:
    """The given (empty) database, or a fresh one on a throwaway cluster."""
    if url:
        yield url
        return
    from tests.support.srv_postgrest import UNPRIVILEGED_USER, PgCluster
    from tests.support.srv_process import make_workdir, remove_workdir

    os_user = UNPRIVILEGED_USER if os.geteuid() == 0 else None
    cluster = PgCluster(make_workdir("bench-pg", owner=os_user), os_user)
    try:
        cluster.start()
        cluster.psql("CREATE DATABASE bench")
        yield cluster.dsn.rsplit("/", 1)[0] + "/bench"
    finally:
        cluster.stop()
        remove_workdir(cluster.workdir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1000, help="timed runs of each action")
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a throwaway one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wb-state-bench-") as tmp:
        path = Path(tmp) / "state.db"
        sqlite = measure(lambda: StateStore(path), args.entries, args.rounds)
    with postgres_url(args.url) as url:
        postgres = measure(lambda: StateStore(url), args.entries, args.rounds)
    width = max(map(len, sqlite)) + 2
    print(f"{'':<{width}}{'SQLite':<42}PostgreSQL")
    for label, value in sqlite.items():
        print(f"{label:<{width}}{value:<42}{postgres[label]}")


if __name__ == "__main__":
    main()
