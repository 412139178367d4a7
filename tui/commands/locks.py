"""`writeback lock DEST`, `writeback unlock DEST [--force]`, `writeback locks`."""

from __future__ import annotations

import argparse
from datetime import datetime

from tui.commands import destination, fail
from tui.commands.state import open_for
from tui.config import discover, load_config
from tui.exits import EXIT_OK, EXIT_REFUSED
from tui.secrets import SecretStore
from tui.state import StateStore, current_identity
from tui.state.errors import Refused
from tui.workspace import Workspace


def run(args: argparse.Namespace) -> int:
    config = load_config(discover(getattr(args, "config", None)))
    with open_for(config) as state:
        if args.command == "locks":
            return _list(state)
        dest = destination(config, args.dest, args.command)
        ws = Workspace(config, dest.id, state, current_identity(), SecretStore(), journaled=False)
        try:
            if args.command == "lock":
                lock = ws.lock()
                print(f"{dest.id}: {lock.describe()}, until {_clock(lock.expires)}")
                return EXIT_OK
            released = ws.unlock(force=args.force)
        except Refused as exc:
            return fail(f"writeback {args.command} {dest.id}: refused: {exc}", EXIT_REFUSED)
        print(f"{dest.id}: " + ("unlocked" if released else "was not locked"))
        return EXIT_OK


def _list(state: StateStore) -> int:
    locks = state.locks.all()
    for lock in locks:
        kind = "manual" if lock.manual else "writeback"
        print(f"{lock.destination}\t{lock.describe()}\t{kind}\tuntil {_clock(lock.expires)}")
    if not locks:
        print("no locks held")
    return EXIT_OK


def _clock(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M:%S")
