"""What the grid tells the app: the cursor moved, the change set changed, an edit was refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from textual.widget import Widget


@dataclass
class CursorMoved(Message, namespace="grid"):
    """The cursor is on another cell, or its cell changed.

    ``text`` is the cell in full (for the status line), followed by why it is
    invalid or why the row failed to write, when it is.
    """

    row: int | None
    column: str | None
    text: str
    grid: Widget | None = field(default=None, repr=False)

    @property
    def control(self) -> Widget | None:
        return self.grid


@dataclass
class TableEdited(Message, namespace="grid"):
    """The change set changed through the grid; ``label`` says how ("edit price", "undo ...")."""

    label: str
    grid: Widget | None = field(default=None, repr=False)

    @property
    def control(self) -> Widget | None:
        return self.grid


@dataclass
class Refused(Message, namespace="grid"):
    """An edit the grid did not make, and why ("locked by bob@host since 10:32")."""

    reason: str
    grid: Widget | None = field(default=None, repr=False)

    @property
    def control(self) -> Widget | None:
        return self.grid
