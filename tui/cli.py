"""The `writeback` command line: one table of subcommands, its parser, and `main`.

A subcommand is a module of `tui.commands` with `run(args) -> int` and one entry in
`COMMANDS` (its help and arguments); `tui.commands.run_command` turns errors into exit codes.
Nothing here talks HTTP or SQL.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple, NoReturn

from tui import __version__
from tui.exits import EXIT_USAGE

_EPILOG = """exit codes:
  0  all done
  1  some rows failed or conflicted, or a check failed (each reported)
  2  usage or configuration error
  3  refused: locked by someone else, or no write access
  4  the state cannot be written (disk full, read-only, locked): nothing more sent

configuration: --config PATH, else $WRITEBACK_CONFIG, else ./writeback.toml,
else the user config dir (~/.config/writeback/config.toml on Linux)."""


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


class Subcommand(NamedTuple):
    """A subcommand: the module of `tui.commands` whose `run(args)` runs it, its one-line
    help, and what adds its arguments to its parser."""

    module: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments


def _dest(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dest", metavar="DEST")


def _demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)"
    )
    parser.add_argument("--serve-only", action="store_true", help="only serve; do not open the app")
    parser.add_argument("--rows", type=int, default=5000, help="sample rows on first start (5000)")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where the demo keeps its SQLite file and config (default: user data dir)",
    )


def _check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="integrations (default: all)")


def _load(parser: argparse.ArgumentParser) -> None:
    _dest(parser)
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument("--limit", type=int, metavar="N", help="stop after N rows")


def _push(parser: argparse.ArgumentParser) -> None:
    _dest(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--changes", metavar="FILE", help="change set, JSON Lines")
    source.add_argument("--rows", metavar="FILE", help="the desired full table, CSV or JSONL")
    parser.add_argument("--dry-run", action="store_true", help="print the requests, send nothing")
    parser.add_argument("--format", choices=("text", "jsonl"), default="text")


def _unlock(parser: argparse.ArgumentParser) -> None:
    _dest(parser)
    parser.add_argument("--force", action="store_true", help="break a lock held by someone else")


def _audit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dest", nargs="?", metavar="DEST")
    parser.add_argument("--follow", action="store_true", help="keep printing new entries")
    parser.add_argument("--since", metavar="T", help="ISO time or a duration such as 2h")
    parser.add_argument("--user", metavar="U")
    parser.add_argument("--limit", type=int, metavar="N")
    parser.add_argument("--format", choices=("text", "jsonl", "csv"), default="text")


def _secret(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("set", "delete"))
    parser.add_argument("name", metavar="NAME", help="the keyring entry's user name")
    parser.add_argument(
        "--service",
        default="writeback",
        help="keyring service (default: writeback), as in { keyring = SERVICE, user = NAME }",
    )


def _state(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(
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


# Every subcommand, in the order help lists them; with none, `tui.commands.app` opens the app.
COMMANDS: dict[str, Subcommand] = {
    "demo": Subcommand("demo", "start the embedded demo REST server and open the app on it", _demo),
    "validate": Subcommand(
        "validate", "check the configuration; print PATH:LINE: message per problem"
    ),
    "check": Subcommand(
        "check", "test the connection to integrations; exit 1 if any fails", _check
    ),
    "load": Subcommand("load", "load a destination's rows and print them", _load),
    "push": Subcommand("push", "write a change set (or the difference to given rows) back", _push),
    "lock": Subcommand("locks", "take the lock of a destination by hand", _dest),
    "unlock": Subcommand(
        "locks", "release a lock you hold (--force: break anyone's, admins only)", _unlock
    ),
    "locks": Subcommand("locks", "list the locks held now"),
    "audit": Subcommand("audit", "read the audit trail", _audit),
    "secret": Subcommand("secret", "store or delete a secret in the system keyring", _secret),
    "state": Subcommand(
        "state_admin", "administer the shared state (locks, audit, drafts)", _state
    ),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse's default prints the whole usage; scripts want one line and exit 2.
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="writeback",
        description="Edit rows behind REST APIs and write them back.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"writeback {__version__}")
    _config_option(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, command in COMMANDS.items():
        command.arguments(_add(sub, name, command.help))
    return parser


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


def _config_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS lets --config stand before or after the subcommand without one clobbering the other.
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="configuration file (see 'configuration' below)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from tui.commands import run_command  # after parsing: --help and usage errors need none of it

    return run_command(args, COMMANDS[args.command].module if args.command else "app")


def run() -> None:
    """The `writeback` command and `python -m tui`: `main` in a process of its own."""
    sys.exit(main())


if __name__ == "__main__":
    run()
