"""The table model: rows as loaded, the change set over them, undo, checks, views; no I/O.

``Table`` is the one object the grid, the workspace and the command line use.
It reads rows by row id (loaded rows 0, 1, ..., new rows -1, -2, ...), and its
methods live in the module of their idea, each a layer over the one below:

  rows        Rows: loaded values and the overlay of pending changes, read by row id
  checks      CheckedRows: the rules a changed cell must keep; row and cell states, counts
  edits       EditableRows: edits, fill down, paste, rows added or deleted; undo and redo
  changeset   ChangeSetRows: the change set out (changes, snapshot) and in (change files,
              writeback results, a journal's snapshot)
  view        ViewedRows: sorted, filtered and searched row ids for the grid

To follow "edit a cell": ``EditableRows.edit`` in edits.py makes a ``SetCell``
operation inside an undo step; applying it sets the overlay (rows.py) and
checks the cell again (``CheckedRows._validate``).  Nothing here does I/O or
knows about the screen.
"""

from __future__ import annotations

from tui.config.model import Destination
from tui.table.changeset import ChangeSetRows
from tui.table.view import ViewedRows


class Table(ChangeSetRows, ViewedRows):
    """Rows as loaded plus pending changes, with a view; see the module docstring."""

    @classmethod
    def for_destination(cls, destination: Destination, *, read_only: str | None = None) -> Table:
        reason = read_only or ("the destination is read-only" if destination.read_only else None)
        return cls(destination.columns, destination.key, read_only=reason)
