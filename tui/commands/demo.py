"""`writeback demo`: the embedded demo REST server, its sample data and a config for it."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from tui.demo import DemoServer, demo_config_text, seed_database


def data_dir(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_data_path

    return user_data_path("writeback") / "demo"


def run(args: argparse.Namespace) -> int:
    folder = data_dir(args.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "demo.db"
    seed_database(database, rows=args.rows)
    server = DemoServer(database, port=args.port).start()
    try:
        config = folder / "demo.toml"
        config.write_text(demo_config_text(server.api_url, folder / "state.db"), encoding="utf-8")
        print(f"demo server: {server.api_url}/products")
        print(f"config:      {config}")
        if not args.serve_only:
            from tui.commands.app import open_app

            return open_app(config)  # the server stops when the app is quit
        print("press ctrl+c to stop", flush=True)
        _wait_for_stop()
    finally:
        server.stop()
    return 0


def _wait_for_stop() -> None:
    # SIGTERM (service managers, test harnesses) stops as cleanly as ctrl+c.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        print(file=sys.stderr)
