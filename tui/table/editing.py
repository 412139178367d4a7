"""Edits a person makes: cells, fill down, paste, and adding, deleting or reverting rows.

Each edit is checked first (read-only table, column or key; deleted row) and
refused whole with ``EditRefused``, then made as one undo step.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from tui.table.history import AddRow, DropRow, MarkDeleted, Unmark
from tui.table.types import parse_text
from tui.table.undo import Undo

if TYPE_CHECKING:
    from tui.table.rows import Rows


class EditRefused(Exception):
    """An edit the table will not make; the message says why in words."""


class Editing:
    """The editing part of a table: checks, then changes through ``Undo`` steps."""

    def __init__(self, rows: Rows, undo: Undo) -> None:
        self._t = rows
        self._undo = undo

    def editable(self, row: int, column: str) -> str | None:
        """Why this cell cannot be edited, or None when it can."""
        t = self._t
        if t.read_only:
            return t.read_only
        if column not in t.config and column not in t.columns:
            return f"no column {column}"
        if not t.exists(row):
            return "no such row"
        if row in t.overlay.deletes:
            return "the row is deleted; undelete it to edit"
        col = t.config.get(column)
        if col is not None and col.read_only:
            if column in t.key:
                return f"{column} is assigned by the server"
            return f"{column} is read-only"
        if column in t.key and row >= 0:
            return f"{column} is a key column; keys of loaded rows cannot change"
        return None

    def new_row_refusal(self, column: str) -> str | None:
        """Why a new row cannot be given a value for ``column``, or None."""
        t = self._t
        col = t.config.get(column)
        if column not in t.config and column not in t.columns:
            return f"no column {column}"
        if col is not None and col.read_only:
            return (
                f"{column} is assigned by the server"
                if column in t.key
                else f"{column} is read-only"
            )
        return None

    def _check(self, row: int, column: str) -> None:
        reason = self.editable(row, column)
        if reason:
            raise EditRefused(reason)

    def edit(self, row: int, column: str, value: object) -> bool:
        """Set a cell; False when it already held that value.  Raises EditRefused."""
        self._check(row, column)
        with self._undo.step(f"edit {column}"):
            self._undo.set(row, column, value)
        return self._undo.last_changed

    def edit_text(self, row: int, column: str, text: str) -> bool:
        """Set a cell from an editor's text, parsed by the column's type."""
        return self.edit(row, column, parse_text(text, self._t.column_type(column)))

    def fill_down(self, rows: Sequence[int], columns: Sequence[str]) -> int:
        """Copy each column's value in ``rows[0]`` into the other rows; one undo step."""
        for _ in self.filling_down(rows, columns):
            pass
        return self._undo.last_step_rows

    def filling_down(
        self, rows: Sequence[int], columns: Sequence[str], every: int = 5000
    ) -> Iterator[int]:
        """Copy each column's value in ``rows[0]`` into the other rows as one undo step, in
        slices of `every` cells, yielding the cells done so far, so a caller can let the
        screen run in between; closed early, it takes back what it did."""

        def targets() -> Iterator[tuple[int, int, str]]:
            count = 0
            for row in itertools.islice(rows, 1, None):
                for column in columns:
                    count += 1
                    yield count, row, column

        for count, row, column in targets():
            self._check(row, column)  # every cell may be changed, or none is
            if not count % every:
                yield 0
        sources = {c: self._t.value(rows[0], c) for c in columns}
        with self._undo.step("fill down"):
            try:
                for count, row, column in targets():
                    self._undo.set(row, column, sources[column])
                    if not count % every:
                        yield count
            except GeneratorExit:
                self._undo.take_back()
                raise

    def paste(
        self,
        rows: Sequence[int],
        columns: Sequence[str],
        block: Sequence[Sequence[object]],
        *,
        parse: bool = False,
    ) -> int:
        """Write ``block[i][j]`` into (rows[i], columns[j]); one undo step.

        With ``parse`` the block holds text (a clipboard) and each cell is read
        by its column's type.  All target cells are checked before any is set.
        """
        size = f"{len(block)}x{max(map(len, block), default=0)}"
        if len(block) > len(rows) or any(len(line) > len(columns) for line in block):
            raise EditRefused(
                f"the block is {size} but only {len(rows)}x{len(columns)} cells are there"
            )
        cells = [
            (rows[i], columns[j], value)
            for i, line in enumerate(block)
            for j, value in enumerate(line)
        ]
        for row, column, _ in cells:
            self._check(row, column)
        with self._undo.step(f"paste {size}"):
            for row, column, value in cells:
                if parse:
                    value = parse_text(str(value), self._t.column_type(column))
                self._undo.set(row, column, value)
        return self._undo.last_step_rows

    def add_row(
        self, values: Mapping[str, object] | None = None, position: int | None = None
    ) -> int:
        """A new row (at ``position`` among the new rows, default last); returns its id."""
        t = self._t
        values = dict(values or {})
        if t.read_only:
            raise EditRefused(t.read_only)
        for column in values:
            reason = self.new_row_refusal(column)
            if reason:
                raise EditRefused(reason)
        row = t.overlay.new_id()
        where = len(t.overlay.inserts) if position is None else position
        with self._undo.step("add row"):
            self._undo.perform(AddRow(row, values, where))
        return row

    def delete_rows(self, rows: Iterable[int]) -> int:
        """Mark loaded rows deleted and drop new ones; one undo step; returns how many."""
        t = self._t
        if t.read_only:
            raise EditRefused(t.read_only)
        rows = [r for r in dict.fromkeys(rows) if t.exists(r)]
        with self._undo.step(f"delete {_count(len(rows), 'row')}"):
            for row in rows:
                if row < 0:
                    self._drop_new(row)
                elif row not in t.overlay.deletes:
                    self._undo.perform(MarkDeleted(row))
        return self._undo.last_step_rows

    def undelete_rows(self, rows: Iterable[int]) -> int:
        rows = [r for r in dict.fromkeys(rows) if r in self._t.overlay.deletes]
        with self._undo.step(f"undelete {_count(len(rows), 'row')}"):
            for row in rows:
                self._undo.perform(Unmark(row))
        return self._undo.last_step_rows

    def revert_rows(self, rows: Iterable[int]) -> int:
        """Throw away the pending changes of these rows; one undo step."""
        t = self._t
        rows = [r for r in dict.fromkeys(rows) if t.exists(r)]
        with self._undo.step(f"revert {_count(len(rows), 'row')}"):
            for row in rows:
                if row < 0:
                    self._drop_new(row)
                    continue
                if row in t.overlay.deletes:
                    self._undo.perform(Unmark(row))
                for column in list(t.overlay.updates.get(row, ())):
                    self._undo.set(row, column, t.store.get(row, column))
        return self._undo.last_step_rows

    def _drop_new(self, row: int) -> None:
        values, where = self._t.overlay.inserts[row], self._t.new_rows().index(row)
        self._undo.perform(DropRow(row, dict(values), where))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
