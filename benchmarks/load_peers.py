"""`writeback load` next to what a user would otherwise run, measured in the same run.

    python benchmarks/load_peers.py [--rows N] [--page N] [--runs N] [--delay MS]
                                    [--against TREE]

Two servers, each in its own process (HTTP/1.1, keep-alive, a thread per
connection, Nagle off as nginx and Go servers have it), serve N rows x 10
columns, pre-encoded, two ways:

  next_url   /linked/K.json: {"data": [...], "links": {"next": {"href": ...}}}
  offset     /rows?offset=S&limit=L: {"data": [...], "meta": {"total": N}}

one at once ("static pages"), the other after --delay ms per page (20 by
default), as a real API takes to answer.  Each contender prints every row as
JSON Lines to /dev/null, start-up included:

  curl           curl fetching the same URLs (transfer only, no decoding)
  bare stdlib    an 8-line urllib + json script following links.next.href,
                 one page after the other
  bare orjson    the same script with orjson
  writeback      `writeback load DEST --format jsonl`, a new process each run,
                 max_concurrency 8 (the default): the offset pages are asked
                 for ahead once the first names the total; again with 4

--against TREE adds `writeback load` from another source tree (say, an older
commit checked out with `git worktree add`) to the same rounds.

Prints the median of --runs runs of each (every round runs every contender
once, so a noisy spell falls on all alike), each one's ratio to the bare
scripts, and the goals: with slow pages, offset <= 0.3x and next_url <= 1.1x
the bare orjson script; with static pages, never slower than the bare stdlib
one.  Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from msgspec import Struct

ROOT = Path(__file__).resolve().parent.parent

_SERVER = r"""
import json, sys, time
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

rows, page, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
data = [
    {"id": i, "name": f"Customer {i:07d}", "email": f"customer{i}@example{i % 97}.com",
     "status": ("active", "paused", "closed")[i % 3], "city": f"City {i % 1000}",
     "qty": (i * 7919) % 100000, "price": round((i * 31) % 100000 / 100, 2),
     "active": i % 3 != 0, "created": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
     "note": None if i % 4 else f"note {i}"}
    for i in range(rows)
]
pages = -(-rows // page)
linked = {}
for k in range(pages):
    body = {"data": data[k * page:(k + 1) * page], "links": {}}
    if k + 1 < pages:
        body["links"]["next"] = {"href": f"/linked/{k + 1}.json"}
    linked[f"/linked/{k}.json"] = json.dumps(body).encode()

@cache
def window(start, limit):
    return json.dumps({"data": data[start:start + limit], "meta": {"total": rows}}).encode()

for k in range(pages):
    window(k * page, page)

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as nginx, Go, uvicorn and gunicorn do
    def do_GET(self):
        url = urlsplit(self.path)
        body = linked.get(url.path)
        if url.path == "/rows":
            q = parse_qs(url.query)
            body = window(int(q["offset"][0]), int(q["limit"][0]))
        if delay:
            time.sleep(delay)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

class Server(ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up
            super().handle_error(request, client_address)

server = Server(("127.0.0.1", 0), Handler)
print(f"http://127.0.0.1:{server.server_port}", flush=True)
server.serve_forever()
"""

# What a user writes in a minute: follow links.next.href, print rows as JSON Lines.
_BARE = """
import sys, urllib.request, {json}
base = sys.argv[1]; url = base + "/linked/0.json"; out = sys.stdout.buffer
while url:
    body = {json}.loads(urllib.request.urlopen(url).read())
    out.write(b"".join({dumps} for r in body["data"]))
    url = body["links"].get("next", {{}}).get("href") and base + body["links"]["next"]["href"]
"""
BARE_STDLIB = _BARE.format(json="json", dumps='json.dumps(r).encode() + b"\\n"')
BARE_ORJSON = _BARE.format(json="orjson", dumps='orjson.dumps(r) + b"\\n"')

CONFIG = """
[integrations.{name}]
url = "{url}"
max_concurrency = {concurrency}
[destinations.{name}_linked]
integration = "{name}"
path = "/linked/0.json"
[destinations.{name}_linked.load]
records = "data"
pagination = {{ type = "next_url", next_url_path = "links.next.href", max_pages = 100000 }}
[destinations.{name}_offset]
integration = "{name}"
path = "/rows"
[destinations.{name}_offset.load]
records = "data"
pagination = {{ type = "offset", count = {page}, total_path = "meta.total", max_pages = 100000 }}
"""

STDLIB, ORJSON = "bare stdlib script", "bare orjson script"
NEXT_URL, OFFSET = "writeback, next_url", "writeback, offset"
# max_concurrency, written out so another tree (--against) loads with the same
WIDTH, NARROW = 8, 4  # the default; the second slow integration's
OFFSET_NARROW = f"writeback, offset, {NARROW} at once"


class Contender(Struct):
    section: str
    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    cwd: Path = ROOT


def medians(contenders: list[Contender], runs: int) -> dict[tuple[str, str], float]:
    """Median seconds of each command; runs interleaved (one of each per round), so a
    slow spell of a noisy machine falls on every contender alike."""
    times: dict[tuple[str, str], list[float]] = {(c.section, c.name): [] for c in contenders}
    for _ in range(runs):
        for c in contenders:
            started = time.perf_counter()
            subprocess.run(c.argv, stdout=subprocess.DEVNULL, check=True, env=c.env, cwd=c.cwd)
            times[(c.section, c.name)].append(time.perf_counter() - started)
    return {key: statistics.median(values) for key, values in times.items()}


def count_lines(c: Contender) -> int:
    done = subprocess.run(c.argv, capture_output=True, check=True, env=c.env, cwd=c.cwd)
    return done.stdout.count(b"\n")


def start_server(rows: int, page: int, delay: float) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(rows), str(page), str(delay)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    return server, server.stdout.readline().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--delay", type=float, default=20.0, help="ms per page, slow server")
    parser.add_argument("--against", type=Path, help="another source tree to load with")
    args = parser.parse_args()
    static, static_url = start_server(args.rows, args.page, 0.0)
    slow, slow_url = start_server(args.rows, args.page, args.delay / 1000)
    sections = {"static": static_url, "slow": slow_url}
    integrations = [("static", static_url, WIDTH), ("slow", slow_url, WIDTH)]
    integrations.append(("narrow", slow_url, NARROW))
    try:
        with tempfile.TemporaryDirectory(prefix="writeback-bench-") as tmp:
            config = Path(tmp) / "bench.toml"
            config.write_text(
                "".join(
                    CONFIG.format(name=name, url=url, page=args.page, concurrency=concurrency)
                    for name, url, concurrency in integrations
                )
            )
            found = medians(_contenders(sections, args, config), args.runs)
    finally:
        for server in (static, slow):
            server.terminate()
            server.wait()
    _print(found, args)


def _contenders(
    sections: dict[str, str], args: argparse.Namespace, config: Path
) -> list[Contender]:
    trees = [("", ROOT)] + ([(f" ({args.against.name})", args.against)] if args.against else [])
    for _, tree in trees:
        # byte-code, as `pip install` leaves it (an editable install under
        # PYTHONDONTWRITEBYTECODE would otherwise compile every module on every run)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "tui")], check=True)
    pages = -(-args.rows // args.page)
    curl = shutil.which("curl")
    contenders: list[Contender] = []
    for section, url in sections.items():
        if curl:
            urls = [f"{url}/linked/{k}.json" for k in range(pages)]
            contenders.append(Contender(section, "curl (transfer only)", [curl, "-s", *urls]))
        contenders.append(Contender(section, STDLIB, [sys.executable, "-c", BARE_STDLIB, url]))
        contenders.append(Contender(section, ORJSON, [sys.executable, "-c", BARE_ORJSON, url]))
        for label, tree in trees:
            # the tree's own package first: `python -m` puts the working directory first
            env = {**os.environ, "WRITEBACK_CONFIG": str(config), "PYTHONPATH": str(tree)}
            runs = [(NEXT_URL, f"{section}_linked"), (OFFSET, f"{section}_offset")]
            if section == "slow":
                runs.append((OFFSET_NARROW, "narrow_offset"))
            for name, dest in runs:
                argv = [sys.executable, "-m", "tui", "load", dest, "--format", "jsonl"]
                contenders.append(Contender(section, name + label, argv, env, tree))
    for c in contenders:
        if c.name.startswith("writeback"):
            loaded = count_lines(c)
            assert loaded == args.rows, f"{c.name}: loaded {loaded} rows, expected {args.rows}"
    return contenders


_TITLES = {"static": "loopback, static pages", "slow": "{delay:g} ms per page"}


def _print(found: dict[tuple[str, str], float], args: argparse.Namespace) -> None:
    pages = -(-args.rows // args.page)
    print(f"\n{args.rows:,} rows x 10 columns in {pages} pages, JSON Lines to /dev/null,")
    print(f"start-up included, median of {args.runs} runs each, contenders interleaved\n")
    print(f"{'':<42}{'seconds':>9}{'rows/s':>12}{'vs stdlib':>11}{'vs orjson':>11}")
    for section in ("static", "slow"):
        print(_TITLES[section].format(delay=args.delay))
        stdlib, fast = found[(section, STDLIB)], found[(section, ORJSON)]
        for (where, name), seconds in found.items():
            if where != section:
                continue
            rate = args.rows / seconds
            ratios = f"{seconds / stdlib:>10.2f}x{seconds / fast:>10.2f}x"
            print(f"  {name:<40}{seconds:>9.2f}{rate:>12,.0f}{ratios}")
    print()
    slow_fast, static_stdlib = found[("slow", ORJSON)], found[("static", STDLIB)]
    goals = [
        (f"{args.delay:g} ms pages, offset", found[("slow", OFFSET)] / slow_fast, 0.3, "orjson"),
        (
            f"{args.delay:g} ms pages, next_url",
            found[("slow", NEXT_URL)] / slow_fast,
            1.1,
            "orjson",
        ),
        ("static pages, next_url", found[("static", NEXT_URL)] / static_stdlib, 1.0, "stdlib"),
        ("static pages, offset", found[("static", OFFSET)] / static_stdlib, 1.0, "stdlib"),
    ]
    for what, ratio, goal, peer in goals:
        verdict = "met" if round(ratio, 2) <= goal else "NOT met"
        print(f"goal: {what:<30} {ratio:.2f}x the bare {peer} script (<= {goal:.2f}x): {verdict}")
    if args.against:
        label = f" ({args.against.name})"
        for section in ("static", "slow"):
            for name in (NEXT_URL, OFFSET, OFFSET_NARROW):
                if (section, name) not in found:
                    continue
                ours, theirs = found[(section, name)], found[(section, name + label)]
                title = _TITLES[section].format(delay=args.delay)
                print(f"{title}, {name}: this tree {ours / theirs:.2f}x {args.against.name}")


if __name__ == "__main__":
    main()
