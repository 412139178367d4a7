"""The names callers import from ``tui.table.changes``, now kept in modules of their own.

overlay: the pending changes by row id; changeset: ``Change`` and ``ChangeSet``;
changefile: reading change files; cellcodec: cell values as JSON and back.
"""

from tui.table.cellcodec import decode_cells, decode_value, encode_cells, encode_value
from tui.table.changefile import ChangeFileError, parse_changes
from tui.table.changeset import OPS, Change, ChangeSet, Op, status_line
from tui.table.overlay import Overlay, same

__all__ = [
    "OPS",
    "Change",
    "ChangeFileError",
    "ChangeSet",
    "Op",
    "Overlay",
    "decode_cells",
    "decode_value",
    "encode_cells",
    "encode_value",
    "parse_changes",
    "same",
    "status_line",
]
