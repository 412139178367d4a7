"""The table model: rows as loaded, the change set, undo, validation and views; no I/O."""

from tui.table.changefile import ChangeFileError, parse_changes
from tui.table.changeset import Change, ChangeSet
from tui.table.history import Step
from tui.table.table import Counts, EditRefused, Rejected, RowOutcome, State, Table

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
    "parse_changes",
]
