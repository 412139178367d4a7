"""The table model: rows as loaded, the change set, undo, validation and views; no I/O.

The names other layers use most; the modules beside this one are the parts.
"""

from tui.table.cellcodec import decode_cells
from tui.table.changefile import ChangeFileError, parse_changes
from tui.table.changeset import Change, ChangeSet, status_line
from tui.table.diff import diff_rows
from tui.table.editing import EditRefused
from tui.table.history import Step
from tui.table.pending import Rejected
from tui.table.results import RowOutcome
from tui.table.status import Counts, State
from tui.table.table import Table

__all__ = [
    "Change",
    "ChangeFileError",
    "ChangeSet",
    "Counts",
    "EditRefused",
    "Rejected",
    "RowOutcome",
    "State",
    "Step",
    "Table",
    "decode_cells",
    "diff_rows",
    "parse_changes",
    "status_line",
]
