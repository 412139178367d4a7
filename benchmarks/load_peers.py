"""`writeback load` next to what a user would otherwise run, measured in the same run.

    python benchmarks/load_peers.py [--rows N] [--page N] [--runs N]

A static server in its own process (HTTP/1.1, keep-alive) serves N rows x 10
columns, pre-encoded, two ways:

  next_url   /linked/K.json: {"data": [...], "links": {"next": {"href": ...}}}
  offset     /rows?offset=S&limit=L: {"data": [...], "meta": {"total": N}}

Each contender prints every row as JSON Lines to /dev/null, start-up included:

  curl           curl fetching the same URLs (transfer only, no decoding); again
                 for the offset pages, which the server encodes per request
  bare stdlib    an 8-line urllib + json script following links.next.href
  bare orjson    the same script with orjson
  writeback      `writeback load DEST --format jsonl`, a new process each run

Prints the median of --runs runs of each (interleaved), and writeback's ratio to
each peer.
Goal: writeback <= 1.2x the bare orjson script, and never slower than the bare
stdlib one.  Not a timed test.
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

ROOT = Path(__file__).resolve().parent.parent

_SERVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

rows, page = int(sys.argv[1]), int(sys.argv[2])
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

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        url = urlsplit(self.path)
        body = linked.get(url.path)
        if url.path == "/rows":
            q = parse_qs(url.query)
            start, limit = int(q["offset"][0]), int(q["limit"][0])
            chunk = data[start:start + limit]
            body = json.dumps({"data": chunk, "meta": {"total": rows}}).encode()
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

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
[integrations.static]
url = "{url}"
[destinations.linked]
integration = "static"
path = "/linked/0.json"
[destinations.linked.load]
records = "data"
pagination = {{ type = "next_url", next_url_path = "links.next.href", max_pages = 100000 }}
[destinations.offset]
integration = "static"
path = "/rows"
[destinations.offset.load]
records = "data"
pagination = {{ type = "offset", count = {page}, total_path = "meta.total", max_pages = 100000 }}
"""


def medians(
    contenders: list[tuple[str, list[str], dict[str, str] | None]], runs: int
) -> list[tuple[str, float]]:
    """Median seconds of each command; runs interleaved (one of each per round), so a
    slow spell of a noisy machine falls on every contender alike."""
    times: dict[str, list[float]] = {name: [] for name, _, _ in contenders}
    for _ in range(runs):
        for name, argv, env in contenders:
            started = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, check=True, env=env, cwd=ROOT)
            times[name].append(time.perf_counter() - started)
    return [(name, statistics.median(times[name])) for name, _, _ in contenders]


def count_lines(argv: list[str], env: dict[str, str]) -> int:
    done = subprocess.run(argv, capture_output=True, check=True, env=env, cwd=ROOT)
    return done.stdout.count(b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(args.rows), str(args.page)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    try:
        with tempfile.TemporaryDirectory(prefix="writeback-bench-") as tmp:
            config = Path(tmp) / "bench.toml"
            config.write_text(CONFIG.format(url=url, page=args.page))
            env = {**os.environ, "WRITEBACK_CONFIG": str(config)}
            rows = _measure(url, args, env)
    finally:
        server.terminate()
        server.wait()
    _print(rows, args)


def _measure(url: str, args: argparse.Namespace, env: dict[str, str]) -> list[tuple[str, float]]:
    wb = [sys.executable, "-m", "tui", "load"]
    # byte-code, as `pip install` leaves it (an editable install under
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module on every run)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "tui")], check=True)
    for dest in ("linked", "offset"):
        loaded = count_lines([*wb, dest, "--format", "jsonl"], env)
        assert loaded == args.rows, f"{dest}: loaded {loaded} rows, expected {args.rows}"
    pages = -(-args.rows // args.page)
    contenders: list[tuple[str, list[str], dict[str, str] | None]] = []
    curl = shutil.which("curl")
    if curl:
        urls = [f"{url}/linked/{k}.json" for k in range(pages)]
        contenders.append(("curl (transfer only)", [curl, "-s", *urls], None))
        # the offset pages are encoded per request: what the server alone takes for them
        offsets = [f"{url}/rows?offset={k * args.page}&limit={args.page}" for k in range(pages)]
        contenders.append(("curl, offset pages", [curl, "-s", *offsets], None))
    contenders += [
        ("bare stdlib script", [sys.executable, "-c", BARE_STDLIB, url], None),
        ("bare orjson script", [sys.executable, "-c", BARE_ORJSON, url], None),
        ("writeback, next_url", [*wb, "linked", "--format", "jsonl"], env),
        ("writeback, offset", [*wb, "offset", "--format", "jsonl"], env),
    ]
    return medians(contenders, args.runs)


def _print(found: list[tuple[str, float]], args: argparse.Namespace) -> None:
    peers = dict(found)
    stdlib, fast = peers["bare stdlib script"], peers["bare orjson script"]
    pages = -(-args.rows // args.page)
    print(f"\n{args.rows:,} rows x 10 columns in {pages} pages, JSON Lines to /dev/null,")
    print(f"start-up included, median of {args.runs} runs each\n")
    print(f"{'':<24}{'seconds':>9}{'rows/s':>12}{'vs stdlib':>11}{'vs orjson':>11}")
    for name, seconds in found:
        rate = args.rows / seconds
        print(
            f"{name:<24}{seconds:>9.2f}{rate:>12,.0f}{seconds / stdlib:>10.2f}x{seconds / fast:>10.2f}x"
        )
    print("\ngoal: writeback <= 1.20x the bare orjson script, <= 1.00x the bare stdlib script")


if __name__ == "__main__":
    main()
