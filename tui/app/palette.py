"""The command palette (ctrl+p): every action as "verb: object", e.g. "lock: products"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message

from tui.app.grid.bindings import GRID_BINDINGS
from tui.app.requests import (
    AddDestination,
    AddIntegration,
    CheckIntegrations,
    EditDestination,
    EditIntegration,
    RemoveEntry,
)

if TYPE_CHECKING:
    from tui.app.app import WritebackApp

# grid actions worth a command (moving the cursor is not)
GRID_COMMANDS = (
    "edit", "add_row", "delete_row", "revert", "undo", "redo", "fill_down", "copy", "paste",
    "search", "filter", "filter_all", "clear_filter", "sort", "sort_descending",
    "hide_column", "show_columns", "narrow", "widen",
)  # fmt: skip


@dataclass(frozen=True)
class Command:
    title: str  # "verb: object"
    help: str
    run: Callable[[], Any]


def commands(app: WritebackApp) -> list[Command]:
    return [*_destination_commands(app), *_config_commands(app), *_app_commands(app)]


def _destination_commands(app: WritebackApp) -> Iterator[Command]:
    bench = app.bench
    ws = bench.ws
    for dest in bench.config.destinations:
        if ws is None or dest != ws.dest.id:
            yield Command(f"open: {dest}", "show this destination's rows", partial(app.open, dest))
    if ws is None:
        return
    d = ws.dest.id
    yield Command(f"write back: {d}", "preview the changes, then send them", app.action_write_back)
    lock = ws.lock_state()
    if lock is not None and lock.held_by(bench.who):
        yield Command(f"unlock: {d}", "give the lock back", app.action_toggle_lock)
    elif lock is None:
        yield Command(f"lock: {d}", "hold the lock while you edit", app.action_toggle_lock)
    elif ws.is_admin:
        yield Command(f"break lock: {d}", f"admins only: {lock.describe()}", app.confirm.break_lock)
    yield Command(f"reload: {d}", "load the rows again (edits are kept)", app.action_reload)
    if ws.table.dirty:
        yield Command(f"discard changes: {d}", str(ws.table.counts()), app.confirm.discard_changes)
    grid = app.grid
    for binding in GRID_BINDINGS:
        action = binding.action
        if action in GRID_COMMANDS:
            title = f"{binding.description.lower()}: {d}"
            yield Command(title, f"keys: {binding.key}", partial(grid.run_action, action))


def _config_commands(app: WritebackApp) -> Iterator[Command]:
    """The panes' requests (requests.py), posted to the app as a pane posts them."""
    config = app.bench.config

    def ask(make: Callable[[], Message]) -> Callable[[], bool]:
        return lambda: app.post_message(make())

    yield Command("check: integrations", "test every integration now", ask(CheckIntegrations))
    yield Command("add: integration", "a new REST service", ask(AddIntegration))
    for name in config.integrations:
        yield Command(f"edit: integration {name}", "", ask(partial(EditIntegration, name)))
        remove = ask(partial(RemoveEntry, "integrations", name))
        yield Command(f"remove: integration {name}", "", remove)
    current = app.bench.ws.integration.id if app.bench.ws else None
    yield Command("add: destination", "a new table", ask(partial(AddDestination, current)))
    for name in config.destinations:
        yield Command(f"edit: destination {name}", "", ask(partial(EditDestination, name)))
        remove = ask(partial(RemoveEntry, "destinations", name))
        yield Command(f"remove: destination {name}", "", remove)


def _app_commands(app: WritebackApp) -> Iterator[Command]:
    yield Command("toggle: audit pane", "show or hide the audit trail", app.action_toggle_audit)
    yield Command("toggle: audit filter", "this destination only, or all", app.action_audit_filter)
    yield Command(
        "toggle: sidebar", "show or hide integrations and destinations", app.action_toggle_sidebar
    )
    yield Command("show: keys", "every key and what it does", app.action_help)
    if app.loader.busy:
        yield Command("cancel: load", "stop loading; the grid stays read-only", app.loader.cancel)
    yield Command("quit: writeback", "asks first when changes are pending", app.action_quit)


class WritebackCommands(Provider):
    def _commands(self) -> list[Command]:
        from tui.app.app import WritebackApp

        app = self.app
        return commands(app) if isinstance(app, WritebackApp) else []

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(command.title), command.run, command.title,
                    command.help,
                )  # fmt: skip
