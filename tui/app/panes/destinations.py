"""The destinations pane: the tables of the selected integration, each with its lock
(holder and since when), whether it is audited and whether access is secured."""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.app.keys import bind
from tui.app.panes.listpane import ListPane
from tui.app.requests import AddDestination, EditDestination, RemoveEntry
from tui.config.model import Destination
from tui.state import Identity, Lock

LOCK = "🔒"


def lock_words(lock: Lock | None, who: Identity) -> str:
    """ "🔒 bob@host 10:32", "🔒 you 10:32" or "unlocked"."""
    if lock is None:
        return "unlocked"
    since = lock.since.astimezone().strftime("%H:%M")
    holder = "you" if lock.held_by(who) else f"{lock.login}@{lock.host}"
    return f"{LOCK} {holder} {since}"


def flags(dest: Destination) -> str:
    words = ["audit on" if dest.audit else "audit off"]
    if dest.access.secure:
        words.append("secure")
    if dest.read_only:
        words.append("read-only")
    return " · ".join(words)


class DestinationsPane(ListPane):
    TITLE = "Destinations"
    BINDINGS = [
        bind("destinations.add", "a", "add", "add"),
        bind("destinations.edit", "e", "edit", "edit"),
        bind("destinations.remove", "d,delete", "remove", "remove", key_display="d"),
    ]

    class DestinationChosen(Message):
        def __init__(self, destination: str) -> None:
            super().__init__()
            self.destination = destination

    def __init__(self, who: Identity, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.who = who
        self.integration: str | None = None
        self.current: str | None = None
        self._dests: dict[str, Destination] = {}
        self._locks: dict[str, Lock | None] = {}

    def show(
        self,
        integration: str | None,
        dests: list[Destination],
        locks: Mapping[str, Lock],
        current: str | None,
    ) -> None:
        self.integration = integration
        self.current = current
        self._dests = {d.id: d for d in dests}
        self._locks = {d.id: locks.get(d.id) for d in dests}
        options = self.options
        options.set_options(Option(self._prompt(d), id=d) for d in self._dests)
        if not dests:
            options.set_options([Option("no destinations: press a to add one", disabled=True)])
        elif current in self._dests:
            options.highlighted = list(self._dests).index(current)

    def mark_current(self, current: str | None) -> None:
        """The destination open in the grid: marked, and highlighted."""
        previous, self.current = self.current, current
        for dest in (previous, current):
            if dest in self._dests:
                self.options.replace_option_prompt(dest, self._prompt(dest))
        if current in self._dests:
            self.options.highlighted = list(self._dests).index(current)

    def update_locks(self, locks: Mapping[str, Lock]) -> None:
        """Redraw the destinations whose lock changed (called about twice a second)."""
        for dest in self._dests:
            lock = locks.get(dest)
            if lock != self._locks.get(dest):
                self._locks[dest] = lock
                self.options.replace_option_prompt(dest, self._prompt(dest))

    def _prompt(self, dest: str) -> Content:
        lock = self._locks.get(dest)
        marker = "▸ " if dest == self.current else "  "
        state = lock_words(lock, self.who)
        style = "" if lock is None else "$warning" if not lock.held_by(self.who) else "$success"
        return Content.assemble(
            marker,
            (dest, "bold"),
            "\n    ",
            (state, style),
            (" · " + flags(self._dests[dest]), "$text-muted"),
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.DestinationChosen(event.option.id))

    def action_add(self) -> None:
        self.post_message(AddDestination(self.integration))

    def action_edit(self) -> None:
        if self.selected:
            self.post_message(EditDestination(self.selected))

    def action_remove(self) -> None:
        if self.selected:
            self.post_message(RemoveEntry("destinations", self.selected))
