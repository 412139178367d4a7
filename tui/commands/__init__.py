"""Subcommand bodies, and the one place where errors become a line and an exit code."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys

from tui.config import Config, ConfigError, Destination
from tui.exits import EXIT_FAILED, EXIT_STATE, EXIT_USAGE
from tui.secrets import SecretError, SecretStore
from tui.state.errors import StateError, StateUnwritable


def run_command(args: argparse.Namespace, module: str) -> int:
    """Runs `tui.commands.<module>.run(args)`; each error a line on stderr and an exit code."""
    try:
        # Imports make no garbage worth collecting, and what they load lives as long as
        # the process: no collection while importing, and none scans it afterwards.
        gc.disable()
        command = importlib.import_module(f"tui.commands.{module}")
        gc.freeze()
        gc.enable()
        return command.run(args)
    except UsageError as exc:
        return fail(str(exc), exc.code)
    except ConfigError as exc:
        for line in exc.lines:
            print(line, file=sys.stderr)
        return EXIT_USAGE
    except StateUnwritable as exc:
        return fail(f"writeback: {exc}", EXIT_STATE)
    except (SecretError, StateError) as exc:
        return fail(f"writeback: {exc}")
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        return fail(
            f"writeback: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), EXIT_FAILED
        )


class UsageError(Exception):
    """A one-line refusal a command raises from deep inside; `code` is the exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def destination(config: Config, name: str, command: str) -> Destination:
    """The destination called `name`, or a UsageError naming the ones there are."""
    dest = config.destinations.get(name)
    if dest is None:
        known = ", ".join(config.destinations) or "none"
        raise UsageError(f"writeback {command}: no destination named {name!r} (known: {known})")
    return dest


def fail(message: str, code: int = EXIT_USAGE) -> int:
    print(message, file=sys.stderr)
    return code


def cli_secret_store() -> SecretStore:
    """Asks on the terminal for a secret no reference yields; never from a pipe."""
    if not sys.stdin.isatty():
        return SecretStore()
    return SecretStore(prompt=_ask_on_terminal)


def _ask_on_terminal(label: str) -> str:
    import getpass  # only a secret nothing else yields needs it

    return getpass.getpass(f"{label}: ")
