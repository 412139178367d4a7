"""Start to first frame under tmux: `writeback` on the demo, next to a bare Textual app.

    python benchmarks/app_start.py [--runs N]

Each contender runs in a fresh tmux session (120x40); the clock runs from the
`tmux new-session` call until `capture-pane` shows a text of the first frame
(polled every 5 ms), after one run of each to cache compiled modules.  The peer is the smallest Textual app there is (one
Static), measured the same way in the same run: what Textual itself costs.
Ceiling: 0.4 s.  Medians of --runs runs.  Not a timed test.
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
sys.path.insert(0, str(ROOT))

CEILING = 0.4
# a tmux server of this run's own: its sessions meet no other run's, and its panes
# start with this process's environment
TMUX = ["tmux", "-L", f"writeback-start-{os.getpid()}"]
BARE_APP = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("bare textual app")

Bare().run()
"""


def first_frame(command: str, marker: str, session: str, limit: float = 20.0) -> float:
    """Seconds from starting `command` in tmux until the pane shows `marker`."""
    # as installed: compiled modules cached (a shell may say otherwise for its own work)
    unset = "env -u PYTHONDONTWRITEBYTECODE "
    started = time.perf_counter()
    subprocess.run(
        [*TMUX, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", unset + command],
        check=True,
        cwd=ROOT,
    )
    try:
        while time.perf_counter() - started < limit:
            screen = subprocess.run(
                [*TMUX, "capture-pane", "-p", "-t", session],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            if marker in screen:
                return time.perf_counter() - started
            time.sleep(0.005)
        return float("nan")
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", session], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("tmux is not installed")
    # one idle session holds the tmux server up between runs: a server shutting down
    # as the last session ends refuses the next new-session
    keeper = f"wb-keeper-{os.getpid()}"
    subprocess.run([*TMUX, "new-session", "-d", "-s", keeper, "sleep 3600"], check=True)
    try:
        apps, peers = _measure(args.runs)
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", keeper], check=False)
    _print(apps, peers, args.runs)


def _measure(runs: int) -> tuple[list[float], list[float]]:
    from tui.demo import DemoServer, seed_database
    from tui.demo.config_text import demo_config_text

    with tempfile.TemporaryDirectory(prefix="writeback-start-") as folder:
        database = Path(folder) / "demo.db"
        seed_database(database, rows=5000)
        bare = Path(folder) / "bare.py"
        bare.write_text(BARE_APP)
        with DemoServer(database) as server:
            config = Path(folder) / "demo.toml"
            config.write_text(demo_config_text(server.api_url, Path(folder) / "state.db"))
            app = f"{sys.executable} -m tui --config {config}"
            peer = f"{sys.executable} {bare}"
            apps, peers = [], []
            first_frame(peer, "bare textual app", "wb-bare-warm")  # compiled modules cached
            first_frame(app, "Integrations", "wb-app-warm")
            for run in range(runs):  # taken in turns, so both meet the same noise
                peers.append(first_frame(peer, "bare textual app", f"wb-bare-{run}"))
                apps.append(first_frame(app, "Integrations", f"wb-app-{run}"))
    return apps, peers


def _print(apps: list[float], peers: list[float], runs: int) -> None:
    app_s, peer_s = statistics.median(apps), statistics.median(peers)
    print(f"\nstart to first frame, tmux 120x40, median of {runs} runs\n")
    print(f"{'':<34}{'seconds':>8}{'vs bare':>9}{'ceiling':>9}")
    print(f"{'bare Textual app (one Static)':<34}{peer_s:>8.2f}{1:>8.2f}x{'':>9}")
    mark = "ok" if app_s <= CEILING else "OVER"
    print(
        f"{'writeback on the demo':<34}{app_s:>8.2f}{app_s / peer_s:>8.2f}x{CEILING:>7.1f} s {mark}"
    )
    print(
        f"\nall runs (s): writeback {[round(a, 2) for a in apps]}, bare {[round(p, 2) for p in peers]}"
    )


if __name__ == "__main__":
    main()
