"""`writeback` with no subcommand: the interactive app."""

from __future__ import annotations

import argparse
from pathlib import Path

from tui.commands import fail
from tui.config import discover
from tui.state import StateError


def run(args: argparse.Namespace) -> int:
    return open_app(discover(getattr(args, "config", None)))


def open_app(path: Path) -> int:
    """Run the app on the configuration at `path` until the user quits."""
    from tui.app import make_app

    try:
        app = make_app(path)
    except StateError as exc:
        return fail(f"writeback: {exc}")
    app.run()
    return app.return_code or 0
