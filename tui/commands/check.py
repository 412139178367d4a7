"""`writeback check [NAME ...]`: one verdict line per integration; exit 1 if any fails."""

from __future__ import annotations

import argparse
import asyncio

from tui.commands import cli_secret_store, fail
from tui.config import discover, load_config
from tui.exits import EXIT_FAILED, EXIT_OK
from tui.rest.check import CheckResult, check_all


def run(args: argparse.Namespace) -> int:
    config = load_config(discover(getattr(args, "config", None)))
    names = list(args.names or config.integrations)
    unknown = [n for n in names if n not in config.integrations]
    if unknown:
        known = ", ".join(config.integrations) or "none"
        return fail(f"writeback check: no integration named {unknown[0]!r} (known: {known})")
    if not names:
        print("no integrations configured")
        return EXIT_OK
    integrations = [config.integrations[n] for n in names]
    results = asyncio.run(check_all(integrations, cli_secret_store()))
    for line in format_results(results):
        print(line)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def format_results(results: list[CheckResult]) -> list[str]:
    """`crm  ok  200 in 120 ms`, names and verdicts aligned."""
    name_width = max(len(r.name) for r in results)
    verdict_width = max(len(r.verdict) for r in results)
    return [
        f"{r.name:<{name_width}}  {r.verdict:<{verdict_width}}  {r.detail}".rstrip()
        for r in results
    ]
