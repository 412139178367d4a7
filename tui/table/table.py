"""The table model: rows as loaded, the change set over them, undo, validation, views.

``Table`` is the one object the grid and the writeback engine use.  It reads
rows as ``Rows`` does (by row id: loaded rows 0, 1, ..., new rows -1, -2, ...)
and hands everything else to its parts, each in a module of its own:

  editing      edits, fill down, paste, adding/deleting/reverting rows
  undo         operations in steps, undo and redo
  validation   which changed cells break a rule
  status       row and cell states, counts, key trouble
  pending      the change set out (``changes``) and in (``apply_changes``)
  results      writeback results folded into the rows as loaded
  snapshot     the change set for a journal, and back
  view         sorted and filtered row ids for the grid (``RowView``)

Nothing here does I/O or knows about the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from tui.config.model import Column, Destination
from tui.table import order
from tui.table.changeset import Change, ChangeSet
from tui.table.editing import Editing
from tui.table.history import History, Step
from tui.table.pending import PendingChanges, Rejected
from tui.table.results import Results, RowOutcome
from tui.table.rows import Rows
from tui.table.snapshot import Snapshots
from tui.table.status import Counts, State, Status
from tui.table.undo import Undo
from tui.table.validation import Validation
from tui.table.view import Prepared, RowFilter


class Table(Rows):
    """Rows as loaded plus pending changes; see the module docstring."""

    def __init__(
        self,
        columns: Mapping[str, Column] | Iterable[Column] = (),
        key: Sequence[str] = (),
        *,
        read_only: str | None = None,
    ) -> None:
        super().__init__(columns, key, read_only=read_only)
        self._valid = Validation(self)
        self._undo = Undo(self, self._valid)
        self._editing = Editing(self, self._undo)
        self._status = Status(self, self._valid)
        self._pending = PendingChanges(self, self._undo, self._editing)
        self._results = Results(self, self._valid, self._undo)
        self._snapshots = Snapshots(self, self._valid, self._undo)

    @classmethod
    def for_destination(cls, destination: Destination, *, read_only: str | None = None) -> Table:
        reason = read_only or ("the destination is read-only" if destination.read_only else None)
        return cls(destination.columns, destination.key, read_only=reason)

    # ----------------------------------------------------------- state

    def state(self, row: int) -> State:
        """deleted > invalid > new > changed > clean."""
        return self._status.state(row)

    def cell_state(self, row: int, column: str) -> State:
        return self._status.cell_state(row, column)

    def cell_error(self, row: int, column: str) -> str | None:
        return self._valid.error(row, column)

    def row_error(self, row: int) -> str | None:
        """Why the last writeback of this row failed, or why its key is ambiguous."""
        return self._status.row_error(row)

    def problems(self) -> list[str]:
        """Every rule broken by a pending change, one line each; empty means ready to write."""
        return self._valid.problems()

    def counts(self) -> Counts:
        return self._status.counts()

    @property
    def dirty(self) -> bool:
        """Unsaved changes (for the quit guard)."""
        return bool(self.overlay)

    def duplicate_keys(self) -> list[tuple[dict[str, object], list[int]]]:
        """Keys that more than one loaded row has, with those rows."""
        return self._status.duplicate_keys()

    def key_problems(self) -> list[str]:
        """The loaded data's key trouble in words (duplicate or missing keys)."""
        return self._status.key_problems()

    # ----------------------------------------------------------- editing (see editing.py)

    def editable(self, row: int, column: str) -> str | None:
        """Why this cell cannot be edited, or None when it can."""
        return self._editing.editable(row, column)

    def edit(self, row: int, column: str, value: object) -> bool:
        """Set a cell; False when it already held that value.  Raises EditRefused."""
        return self._editing.edit(row, column, value)

    def edit_text(self, row: int, column: str, text: str) -> bool:
        """Set a cell from an editor's text, parsed by the column's type."""
        return self._editing.edit_text(row, column, text)

    @property
    def last_step_rows(self) -> int:
        """Rows the last step touched (0: it changed nothing)."""
        return self._undo.last_step_rows

    @property
    def last_step_changed(self) -> bool:
        return self._undo.last_changed

    def fill_down(self, rows: Sequence[int], columns: Sequence[str]) -> int:
        """Copy each column's value in ``rows[0]`` into the other rows; one undo step."""
        return self._editing.fill_down(rows, columns)

    def filling_down(
        self, rows: Sequence[int], columns: Sequence[str], every: int = 5000
    ) -> Iterator[int]:
        """`fill_down` in slices, yielding cells done; closed early, it takes back what it did."""
        return self._editing.filling_down(rows, columns, every)

    def paste(
        self,
        rows: Sequence[int],
        columns: Sequence[str],
        block: Sequence[Sequence[object]],
        *,
        parse: bool = False,
    ) -> int:
        """Write ``block[i][j]`` into (rows[i], columns[j]); one undo step."""
        return self._editing.paste(rows, columns, block, parse=parse)

    def add_row(
        self, values: Mapping[str, object] | None = None, position: int | None = None
    ) -> int:
        """A new row (at ``position`` among the new rows, default last); returns its id."""
        return self._editing.add_row(values, position)

    def delete_rows(self, rows: Iterable[int]) -> int:
        """Mark loaded rows deleted and drop new ones; one undo step; returns how many."""
        return self._editing.delete_rows(rows)

    def undelete_rows(self, rows: Iterable[int]) -> int:
        return self._editing.undelete_rows(rows)

    def revert_rows(self, rows: Iterable[int]) -> int:
        """Throw away the pending changes of these rows; one undo step."""
        return self._editing.revert_rows(rows)

    # ----------------------------------------------------------- undo (see undo.py)

    def undo(self) -> Step | None:
        """Undo the last step; returns it (its rows tell the grid where to go)."""
        return self._undo.undo()

    def redo(self) -> Step | None:
        return self._undo.redo()

    @property
    def history(self) -> History:
        return self._undo.history

    # ----------------------------------------------------------- change set (see pending.py)

    def changes(self) -> ChangeSet:
        """The pending changes: inserts, then updates and deletes in row order."""
        return self._pending.changes()

    def apply_changes(self, changes: Iterable[Change]) -> list[Rejected]:
        """Apply changes from a file or a diff as one undo step; returns those refused."""
        return self._pending.apply_changes(changes)

    # ----------------------------------------------------------- writeback results

    def apply_results(self, outcomes: Iterable[RowOutcome]) -> dict[int, int]:
        """Fold rows written back into the loaded state; keep failed ones pending.

        Returns the new row id of each new row that was written.  Clears the undo history."""
        return self._results.apply_results(outcomes)

    def set_loaded(self, row: int, values: Mapping[str, object]) -> None:
        """The server's current values for a loaded row (after a conflict or reload)."""
        self._results.set_loaded(row, values)

    def clear_error(self, row: int) -> None:
        self.errors.pop(row, None)

    # ----------------------------------------------------------- snapshot

    def snapshot(self) -> dict[str, object]:
        """The change set as plain JSON-able data, for a journal."""
        return self._snapshots.snapshot()

    def ident(self, row: int) -> dict[str, object]:
        """How a journal names a row: by key where the table has one (new rows by id)."""
        return self._snapshots.ident(row)

    def restore(self, data: Mapping[str, object]) -> list[str]:
        """Replace the change set with a snapshot; returns what could not be restored as it was."""
        return self._snapshots.restore(data)

    # ----------------------------------------------------------- views (see view.py)

    @property
    def sorted_by(self) -> tuple[str, bool] | None:
        return self._rows.sort

    @property
    def filtered(self) -> bool:
        return self._rows.filter is not None

    @property
    def row_filter(self) -> RowFilter | None:
        return self._rows.filter

    @property
    def view_stale(self) -> bool:
        """Rows arrived or changed since the last sort."""
        return self._rows.stale

    @property
    def visible_count(self) -> int:
        return self._rows.count

    def row_at(self, position: int) -> int:
        """The row id shown at a position of the grid."""
        return self._rows.row_at(position)

    def visible_rows(self, start: int, stop: int) -> list[int]:
        """Row ids at positions start..stop-1 (clipped), for the rows on screen."""
        return self._rows.rows(start, stop)

    def position_of(self, row: int) -> int | None:
        """Where the grid shows a row, or None when the view hides it."""
        return self._rows.position_of(row)

    def prepare_view(
        self,
        sort: tuple[str, bool] | None,
        where: RowFilter | None,
        tick: order.Tick = order.no_tick,
    ) -> Prepared:
        """A view computed without changing the table (safe in another thread while
        pages load; `tick` may raise order.Cancelled between slices of the work)."""
        return self._rows.prepare(sort, where, tick)

    def use_view(self, prepared: Prepared) -> bool:
        """Put a prepared view in place; False when the table was edited meanwhile."""
        return self._rows.use(prepared)

    def sort(self, column: str, descending: bool = False) -> None:
        """Order the view by a column's current values (nulls last)."""
        self.use_view(self.prepare_view((column, descending), self._rows.filter))

    def filter(
        self,
        text: str | None = None,
        column: str | None = None,
        where: Callable[[object], bool] | None = None,
    ) -> int:
        """Show only rows whose ``column`` (any column) contains ``text``, or passes ``where``.

        Returns how many rows are shown.
        """
        if where is not None and column is None:
            raise ValueError("a predicate filter needs a column")
        row_filter = RowFilter(text, column, where) if text or where else None
        self.use_view(self.prepare_view(self._rows.sort, row_filter))
        return self.visible_count

    def clear_view(self) -> None:
        """Natural order, no filter."""
        self._rows.clear()

    def clear_filter(self) -> None:
        self.use_view(self.prepare_view(self._rows.sort, None))

    def search(
        self,
        text: str,
        start: int,
        *,
        backwards: bool = False,
        column: str | None = None,
        tick: order.Tick = order.no_tick,
    ) -> int | None:
        """The next position after ``start`` (wrapping) whose row contains ``text``."""
        return self._rows.search(text, start, backwards=backwards, column=column, tick=tick)
