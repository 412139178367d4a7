"""The `writeback` command line: parsing, and one place that turns errors into exit codes.

Each subcommand is a thin call into `tui.commands`; nothing here talks HTTP or SQL.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from tui import __version__
from tui.exits import EXIT_USAGE

_EPILOG = """exit codes:
  0  all done
  1  some rows failed or conflicted, or a check failed (each reported)
  2  usage or configuration error
  3  refused: locked by someone else, or no write access

configuration: --config PATH, else $WRITEBACK_CONFIG, else ./writeback.toml,
else the user config dir (~/.config/writeback/config.toml on Linux)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse's default prints the whole usage; scripts want one line and exit 2.
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


def _config_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS lets --config stand before or after the subcommand without one clobbering the other.
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="configuration file (see 'configuration' below)",
    )


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; with `argv` naming a subcommand, that one's alone (all of them take
    3 ms to build, every run), else all of them (help, mistakes)."""
    parser = _Parser(
        prog="writeback",
        description="Edit rows behind REST APIs and write them back.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"writeback {__version__}")
    _config_option(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    named = _named_command(argv)
    for name, add in _COMMANDS.items():
        if named in (None, name):
            add(sub)
    return parser


def _named_command(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` runs, if it names one before any help is asked for."""
    after_config = False
    for arg in argv:
        if after_config:
            after_config = False
        elif arg == "--config":
            after_config = True
        elif arg.startswith("-"):
            if arg in ("-h", "--help"):
                return None
        else:
            return arg if arg in _COMMANDS else None
    return None


def _add_validate(sub: argparse._SubParsersAction) -> None:
    _add(sub, "validate", "check the configuration; print PATH:LINE: message per problem")


def _add_check(sub: argparse._SubParsersAction) -> None:
    check = _add(sub, "check", "test the connection to integrations; exit 1 if any fails")
    check.add_argument("names", nargs="*", metavar="NAME", help="integrations (default: all)")


def _add_lock(sub: argparse._SubParsersAction) -> None:
    lock = _add(sub, "lock", "take the lock of a destination by hand")
    lock.add_argument("dest", metavar="DEST")


def _add_unlock(sub: argparse._SubParsersAction) -> None:
    unlock = _add(sub, "unlock", "release a lock you hold (--force: break anyone's, admins only)")
    unlock.add_argument("dest", metavar="DEST")
    unlock.add_argument("--force", action="store_true", help="break a lock held by someone else")


def _add_locks(sub: argparse._SubParsersAction) -> None:
    _add(sub, "locks", "list the locks held now")


def _add(sub: argparse._SubParsersAction, name: str, help_text: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _config_option(parser)
    return parser


def _add_demo(sub: argparse._SubParsersAction) -> None:
    demo = _add(sub, "demo", "start the embedded demo REST server and open the app on it")
    demo.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    demo.add_argument("--serve-only", action="store_true", help="only serve; do not open the app")
    demo.add_argument("--rows", type=int, default=5000, help="sample rows on first start (5000)")
    demo.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where the demo keeps its SQLite file and config (default: user data dir)",
    )


def _add_load(sub: argparse._SubParsersAction) -> None:
    load = _add(sub, "load", "load a destination's rows and print them")
    load.add_argument("dest", metavar="DEST")
    load.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    load.add_argument("--limit", type=int, metavar="N", help="stop after N rows")


def _add_push(sub: argparse._SubParsersAction) -> None:
    push = _add(sub, "push", "write a change set (or the difference to given rows) back")
    push.add_argument("dest", metavar="DEST")
    source = push.add_mutually_exclusive_group(required=True)
    source.add_argument("--changes", metavar="FILE", help="change set, JSON Lines")
    source.add_argument("--rows", metavar="FILE", help="the desired full table, CSV or JSONL")
    push.add_argument("--dry-run", action="store_true", help="print the requests, send nothing")
    push.add_argument("--format", choices=("text", "jsonl"), default="text")


def _add_audit(sub: argparse._SubParsersAction) -> None:
    audit = _add(sub, "audit", "read the audit trail")
    audit.add_argument("dest", nargs="?", metavar="DEST")
    audit.add_argument("--follow", action="store_true", help="keep printing new entries")
    audit.add_argument("--since", metavar="T", help="ISO time or a duration such as 2h")
    audit.add_argument("--user", metavar="U")
    audit.add_argument("--limit", type=int, metavar="N")
    audit.add_argument("--format", choices=("text", "jsonl", "csv"), default="text")


def _add_secret(sub: argparse._SubParsersAction) -> None:
    secret = _add(sub, "secret", "store or delete a secret in the system keyring")
    secret.add_argument("action", choices=("set", "delete"))
    secret.add_argument("name", metavar="NAME", help="the keyring entry's user name")
    secret.add_argument(
        "--service",
        default="writeback",
        help="keyring service (default: writeback), as in { keyring = SERVICE, user = NAME }",
    )


def _add_state(sub: argparse._SubParsersAction) -> None:
    state = _add(sub, "state", "administer the shared state (locks, audit, drafts)")
    actions = state.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=_Parser
    )
    for name, text in (
        ("migrate", "create or update the state's schema (once, however many run it)"),
        ("check", "connect, check the schema, probe writes and the change feed; exit 1 if not ok"),
    ):
        action = _add(actions, name, text)
        action.add_argument(
            "--url",
            metavar="URL",
            help="a postgresql:// URL instead of [state] (password from PGPASSWORD or ~/.pgpass)",
        )


_COMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "demo": _add_demo,
    "validate": _add_validate,
    "check": _add_check,
    "load": _add_load,
    "push": _add_push,
    "lock": _add_lock,
    "unlock": _add_unlock,
    "locks": _add_locks,
    "audit": _add_audit,
    "secret": _add_secret,
    "state": _add_state,
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    from tui.commands import run

    return run(args)


def run() -> None:
    """The `writeback` command and `python -m tui`: `main` in a process of its own."""
    # Libraries load what this process never uses, when it happens to be installed:
    # httpx its own command line (click, pygments, rich), httpcore trio (writeback runs
    # on asyncio).  Not loading them saves up to 0.2 s of every start.
    for unused in ("httpx._main", "trio"):
        sys.modules.setdefault(unused, None)  # type: ignore[arg-type]  # None blocks an import
    # Imports make no garbage worth collecting, yet set off some 40 collections (5 ms);
    # `tui.commands.run` turns collection back on once the command's modules are in.
    gc.disable()
    sys.exit(main())


if __name__ == "__main__":
    run()
