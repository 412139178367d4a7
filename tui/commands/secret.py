"""`writeback secret set|delete NAME`: keep a secret in the system keyring."""

from __future__ import annotations

import argparse
import getpass
import sys

from tui.commands import fail
from tui.secrets import delete_secret, set_secret


def run(args: argparse.Namespace) -> int:
    if args.action == "delete":
        found = delete_secret(args.name, service=args.service)
        print(
            f"deleted {args.service}/{args.name}"
            if found
            else f"no secret {args.service}/{args.name}"
        )
        return 0
    value = _read_value(args.name)
    if not value:
        return fail("writeback secret: empty value; nothing stored")
    set_secret(args.name, value, service=args.service)
    print(f"stored {args.service}/{args.name} in the keyring")
    return 0


def _read_value(name: str) -> str:
    # Hidden input on a terminal; a pipe (scripts) gives the first line.
    if sys.stdin.isatty():
        return getpass.getpass(f"secret for {name}: ")
    return sys.stdin.readline().rstrip("\r\n")
