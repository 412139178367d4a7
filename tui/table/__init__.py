"""The table model: rows as loaded, the change set, undo, checks and views; no I/O.

The names other layers use most; ``tui.table.table`` maps the modules beside this one.
"""

from tui.table.changefile import ChangeFileError, parse_changes
from tui.table.changeset import Change, ChangeSet, Rejected, RowOutcome, decode_cells
from tui.table.checks import Counts, RowState, status_line
from tui.table.diff import diff_rows
from tui.table.edits import EditRefused, UndoStep
from tui.table.table import Table

__all__ = [
    "Change",
    "ChangeFileError",
    "ChangeSet",
    "Counts",
    "EditRefused",
    "Rejected",
    "RowOutcome",
    "RowState",
    "Table",
    "UndoStep",
    "decode_cells",
    "diff_rows",
    "parse_changes",
    "status_line",
]
