"""`writeback validate`: exit 0, or 2 with one PATH:LINE: message per problem."""

from __future__ import annotations

import argparse
import sys

from tui.config import discover, load_config
from tui.config.warnings import warnings_for


def run(args: argparse.Namespace) -> int:
    path = discover(getattr(args, "config", None))
    config = load_config(path)
    for line in warnings_for(config):
        print(f"{path}: warning: {line}", file=sys.stderr)
    print(
        f"{path}: ok ({len(config.integrations)} integrations, "
        f"{len(config.destinations)} destinations)"
    )
    return 0
