"""The status line: the cell under the cursor in full on the left; on the right who is
working, the destination, its rows, the pending changes and the lock.  When the
terminal is narrow the least useful parts go first; the changes go last."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.app.panes.destinations import LOCK
from tui.state import Identity, Lock

SEPARATOR = " │ "


@dataclass(frozen=True)
class StatusInfo:
    who: str = ""
    destination: str = ""
    rows: str = ""  # "5,000 rows" or "loading 3,000 rows"
    changes: str = ""  # "3 changed, 1 new, 1 deleted"
    lock: str = ""  # "unlocked", "🔒 locked by you", "🔒 locked by bob@host since 10:32"
    cell: str = ""  # the cell under the cursor, in full

    def parts(self) -> list[tuple[int, str]]:
        """(priority, text): the highest priority is dropped last."""
        found = [(2, self.who), (3, self.destination), (4, self.rows), (5, self.lock)]
        return [p for p in [*found, (6, self.changes)] if p[1]]


def lock_text(lock: Lock | None, who: Identity, reason: str | None) -> str:
    if reason and lock is not None and not lock.held_by(who):
        return f"{LOCK} {reason} (read-only)"
    if reason:
        return f"read-only: {reason}"
    if lock is not None and lock.held_by(who):
        return f"{LOCK} locked by you" if lock.manual else f"{LOCK} writing"
    return "unlocked"


def fit(parts: list[tuple[int, str]], width: int) -> str:
    """The parts, in order, dropping the lowest priority ones until they fit `width`."""
    kept = list(parts)
    while kept:
        text = SEPARATOR.join(t for _, t in kept)
        if cell_len(text) <= width or len(kept) == 1:
            return text
        kept.remove(min(kept, key=lambda p: p[0]))
    return ""


class StatusLine(Widget):
    info: reactive[StatusInfo] = reactive(StatusInfo, layout=False)

    def update(self, **changes: str) -> None:
        info = replace(self.info, **changes)
        if info != self.info:
            self.info = info

    @property
    def text(self) -> str:
        """The line as shown now (for tests and the tmux check)."""
        return self._line(self.size.width or 200).plain

    def render(self) -> Text:
        return self._line(self.size.width)

    def _line(self, width: int) -> Text:
        right = fit(self.info.parts(), max(width - 12, width * 2 // 3))
        room = width - cell_len(right) - 2
        cell = self.info.cell.replace("\n", "⏎")
        if cell_len(cell) > room:
            cell = set_cell_size(cell, room - 1) + "…" if room > 1 else ""
        line = Text(cell, style="bold")
        line.pad_right(max(width - cell_len(cell) - cell_len(right), 1))
        line.append(right)
        return line
