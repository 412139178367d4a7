"""`writeback` with no subcommand: the interactive app."""

from __future__ import annotations

import argparse

from tui.commands import fail
from tui.config import discover, load_config


def run(args: argparse.Namespace) -> int:
    path = discover(getattr(args, "config", None))
    load_config(path)
    return fail(
        f"writeback: {path} is valid, but the interactive app is not available in "
        "this version yet; see 'writeback --help' for the commands that are"
    )
