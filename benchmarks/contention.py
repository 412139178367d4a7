"""Locks under contention, between OS processes, on SQLite and on PostgreSQL.

    python benchmarks/contention.py [--races N] [--pushes N] [--rows N] [--lock-wait S]
                                    [--url postgresql://...]

(a) races: two processes each take and give back one destination's lock N times
    (default 1,000) as fast as they can, polling without pause. Inside the lock each
    creates a marker file exclusively: finding it there means two holders at once.
    Prints the double holders (must be 0) and the acquire waits, median and worst.
(b) pushes: N (default 10) `writeback push` processes started at once against the
    demo server, each writing --rows (default 100) rows of its own to one destination.
    The lock serialises them; each waits for the others' writebacks (up to the
    destination's lock_wait, default 60 s, or --lock-wait S). Prints every
    row's fate: lost (not on the server), doubled (audited done twice), and whether
    the audit trail equals the server's data; the pushes' times, median and worst,
    next to one push alone measured in the same run; from the audit trail how long
    each held the lock; and how long each push itself waited for the lock.

Exits 1, saying why on its last line, when two racers held the lock at once, a row
was lost or doubled, or the audit trail differs from the server's data.

PostgreSQL: a throwaway cluster on 127.0.0.1 as the tests start it, or --url
(an empty database). Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.state_backends import postgres_url  # noqa: E402
from benchmarks.writeback import start_server  # noqa: E402
from tui.demo.config_text import demo_config_text  # noqa: E402
from tui.state import Identity, StateStore, locks  # noqa: E402
from tui.workspace import Workspace  # noqa: E402

DEST = "products"
FAILED = "failed"  # a result's key: why the run failed, "" when it did not
Results = dict[str, str]


# ------------------------------------------------------------------ (a) races


def racer(target: str, marker: str, rounds: int) -> None:
    """One racing process: prints its waits and clashes as JSON when done."""
    locks.POLL_S = 0.0  # the most contention two processes can make
    store = StateStore(target)
    who = Identity("racer", f"racehost-{os.getpid()}", os.getpid())
    print("ready", flush=True)
    sys.stdin.readline()
    waits, clashes = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        store.locks.acquire(DEST, who, 30, wait=60)
        waits.append(time.perf_counter() - started)
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            clashes += 1
        else:
            os.unlink(marker)
        store.locks.release(DEST, who)
    print(json.dumps({"waits": waits, "clashes": clashes}), flush=True)


def races(target: str, directory: Path, rounds: int) -> Results:
    StateStore(target).close()  # migrated before the racers start
    marker = str(directory / "inside")
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--racer", target, marker, str(rounds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdout and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin
        proc.stdin.write("go\n")
        proc.stdin.flush()
    tallies = [json.loads(proc.communicate(timeout=600)[0]) for proc in procs]
    waits = [w for tally in tallies for w in tally["waits"]]
    clashes = sum(t["clashes"] for t in tallies)
    return {
        f"lock races, 2 processes x {rounds:,}": f"{len(waits):,} acquired",
        "  double holders": str(clashes),
        "  acquire wait, median / worst": f"{ms(statistics.median(waits))} / {ms(max(waits))}",
        FAILED: f"{clashes} double holders in the races" if clashes else "",
    }


# ------------------------------------------------------------------ (b) pushes


def config_for(directory: Path, api_url: str, target: str, lock_wait: float | None) -> Path:
    text = demo_config_text(api_url, directory / "unused.db")
    if lock_wait is not None:
        text = text.replace(
            "allow_locking = true\n", f"allow_locking = true\nlock_wait = {lock_wait}\n"
        )
    state = f'[state]\npath = "{target}"\n'
    if target.startswith("postgresql://"):
        state = f'[state]\nurl = "{target}"\n'
    text = re.sub(r"\[state\]\npath = .*\n", lambda _m: state, text, count=1)
    path = directory / f"wb-{abs(hash(target))}.toml"
    path.write_text(text)
    return path


def change_file(directory: Path, first: int, rows: int, mark: int) -> Path:
    path = directory / f"changes-{first}.jsonl"
    lines = [
        json.dumps({"op": "update", "key": {"id": i}, "set": {"qty": mark + i}})
        for i in range(first, first + rows)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def pusher(config: str, changes: str, waited: str) -> int:
    """One `writeback push` in this process; its wait for the lock goes to the file `waited`."""
    from tui.cli import main

    write_back = Workspace.write_back

    async def timed(self: Workspace, *args: object, **kwargs: object) -> object:
        report = await write_back(self, *args, **kwargs)  # type: ignore[arg-type]
        Path(waited).write_text(str(report.lock_wait_s))
        return report

    Workspace.write_back = timed  # type: ignore[method-assign]
    return main(["push", DEST, "--changes", changes, "--format", "jsonl", "--config", config])


def start_push(config: Path, changes: Path) -> subprocess.Popen[str]:
    waited = changes.with_suffix(".waited")
    waited.unlink(missing_ok=True)
    return subprocess.Popen(
        [sys.executable, __file__, "--push", str(config), str(changes), str(waited)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def run_pushes(config: Path, files: list[Path]) -> tuple[list[float], list[int]]:
    """Start them all at once; each one's time to its exit, and the exit codes."""
    started = time.perf_counter()
    procs = [start_push(config, f) for f in files]
    times = [0.0] * len(procs)

    def wait(n: int) -> None:  # each on its own thread: a push's time is its own exit
        procs[n].communicate(timeout=600)
        times[n] = time.perf_counter() - started

    threads = [threading.Thread(target=wait, args=(n,)) for n in range(len(procs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, [proc.returncode for proc in procs]


def waits_of(files: list[Path]) -> list[float]:
    """Each push's own wait for the lock (none for a push that did not write)."""
    found = [f.with_suffix(".waited") for f in files]
    return [float(f.read_text()) for f in found if f.exists()]


def pushes(target: str, directory: Path, api_url: str, args: argparse.Namespace) -> Results:
    count, rows = args.pushes, args.rows
    config = config_for(directory, api_url, target, args.lock_wait)
    mark = 10_000 + int(time.time()) % 10_000 * 10  # values no earlier run left behind
    solo = [
        run_pushes(config, [change_file(directory, 1, rows, mark + n)])[0][0] for n in (1, 2, 3)
    ]
    files = [change_file(directory, 1 + i * rows, rows, mark) for i in range(count)]
    with StateStore(target) as state:
        first_id = state.audit.latest_id()
    times, codes = run_pushes(config, files)
    ids = range(1, 1 + count * rows)
    server = server_qty(api_url, ids)
    with StateStore(target) as state:
        trail = state.audit.query(destination=DEST, after_id=first_id, limit=None)
    done = Counter(e.row_key["id"] for e in trail if e.event == "update" and e.outcome == "done")
    audited = {e.row_key["id"]: e.after["qty"] for e in trail if e.event == "update" and e.after}
    lost = sum(1 for i in ids if server.get(i) != mark + i)
    doubled = sum(1 for i in ids if done[i] > 1)
    held = lock_times(trail)
    waited = waits_of(files)
    failures = []
    if lost or doubled:
        failures.append(f"{lost} rows lost, {doubled} doubled of {len(ids):,}")
    if not all(audited.get(i) == server.get(i) for i in ids):
        failures.append("the audit trail differs from the server's data")
    return {
        f"{count} pushes of {rows} rows at once": f"exit codes {dict(Counter(codes))}",
        "  rows lost / doubled": f"{lost} / {doubled} of {len(ids):,}",
        "  audit equals the server": str(all(audited.get(i) == server.get(i) for i in ids)),
        "  one push alone (peer), median of 3": f"{statistics.median(solo):.2f} s",
        "  each push to its exit, median / worst": f"{statistics.median(times):.2f} / {max(times):.2f} s",
        "  lock held per push, median / worst": f"{ms(statistics.median(held))} / {ms(max(held))}",
        "  waited for the lock, median / worst": (
            f"{ms(statistics.median(waited))} / {ms(max(waited))}" if waited else "-"
        ),
        FAILED: "; ".join(failures),
    }


def lock_times(trail: list) -> list[float]:
    """From the trail: each lock's hold, from its lock entry to its unlock."""
    taken = [e.at_us for e in trail if e.event == "lock"]
    given = [e.at_us for e in trail if e.event == "unlock"]
    return [(g - t) / 1e6 for t, g in zip(sorted(taken), sorted(given), strict=False)]


def server_qty(api_url: str, ids: range) -> dict[int, int]:
    out: dict[int, int] = {}
    with httpx.Client(timeout=30) as client:
        for start in range(0, len(ids), 500):
            page = client.get(
                f"{api_url}/products", params={"limit": 500, "offset": ids[0] - 1 + start}
            ).json()
            out.update({r["id"]: r["qty"] for r in page["data"]})
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def measure(target: str, directory: Path, api_url: str, args: argparse.Namespace) -> Results:
    raced = races(target, directory, args.races)
    pushed = pushes(target, directory, api_url, args)
    failed = "; ".join(f for f in (raced.pop(FAILED), pushed.pop(FAILED)) if f)
    return {**raced, **pushed, FAILED: failed}


def main() -> None:
    if sys.argv[1:2] == ["--racer"]:
        racer(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    if sys.argv[1:2] == ["--push"]:
        sys.exit(pusher(*sys.argv[2:5]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--races", type=int, default=1000)
    parser.add_argument("--pushes", type=int, default=10)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--lock-wait", type=float, help="the destination's lock_wait (s)")
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a throwaway one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wb-contention-") as tmp:
        directory = Path(tmp)
        server, demo = start_server(directory / "demo", max(5000, args.pushes * args.rows))
        api_url = demo.integrations["demo"].url
        try:
            sqlite = measure(str(directory / "state.db"), directory, api_url, args)
            with postgres_url(args.url) as url:
                postgres = measure(url, directory, api_url, args)
        finally:
            server.terminate()
            server.wait()
    failed = {name: r.pop(FAILED) for name, r in (("SQLite", sqlite), ("PostgreSQL", postgres))}
    width = max(map(len, sqlite)) + 2
    print(f"{'':<{width}}{'SQLite':<34}PostgreSQL")
    for label, value in sqlite.items():
        print(f"{label:<{width}}{value:<34}{postgres[label]}")
    failures = [f"{name}: {why}" for name, why in failed.items() if why]
    if failures:
        print("FAILED: " + "; ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
