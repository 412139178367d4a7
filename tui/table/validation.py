"""Which cells of pending changes break a rule, kept current as cells change.

The rules of one cell are in ``tui.table.rules``; here they are applied to
the table: only changed cells and new rows are checked (loaded values are the
server's business), and a new row's key must be unique among loaded and new rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.table.keys import key_words
from tui.table.rules import check

if TYPE_CHECKING:
    from tui.table.rows import Rows


class Validation:
    """Broken rules by row and column, as messages; the undo part calls in on each change."""

    def __init__(self, rows: Rows) -> None:
        self._t = rows
        self.cells: dict[int, dict[str, str]] = {}  # row -> column -> what is wrong

    def validate(self, row: int, column: str) -> None:
        """Check one cell again after it changed."""
        t = self._t
        if row >= 0 and column not in t.overlay.updates.get(row, ()):
            message = None
        else:
            message = check(
                t.config.get(column), t.value(row, column), required=self._required(row, column)
            )
            if message is None and row < 0 and column in t.key:
                message = self._key_clash(row)
        cells = self.cells.get(row)
        if message:
            self.cells.setdefault(row, {})[column] = message
        elif cells is not None and column in cells:
            del cells[column]
            if not cells:
                del self.cells[row]

    def _required(self, row: int, column: str) -> bool:
        # New rows need their key unless the server assigns it (a read-only key column).
        if row >= 0 or column not in self._t.key:
            return False
        col = self._t.config.get(column)
        return not (col is not None and col.read_only)

    def validate_new_row(self, row: int) -> None:
        for column in self._t.columns:
            self.validate(row, column)
        self.revalidate_new_keys()

    def revalidate_new_keys(self) -> None:
        # Another new row's key can start or stop clashing with this one.
        for other in self._t.overlay.inserts:
            for column in self._t.key:
                self.validate(other, column)

    def _key_clash(self, row: int) -> str | None:
        t = self._t
        key = t.key_of(row)
        if any(v is None for v in key.values()):
            return None
        if t.find(key) is not None:
            return f"a row with key {key_words(key)} exists"
        lookup = t.keys.lookup(key)
        for other in t.overlay.inserts:
            if other != row and t.keys.lookup(t.key_of(other)) == lookup:
                return f"another new row has key {key_words(key)}"
        return None

    def forget(self, row: int) -> None:
        self.cells.pop(row, None)

    def clear(self) -> None:
        self.cells.clear()

    def error(self, row: int, column: str) -> str | None:
        return self.cells.get(row, {}).get(column)

    def count(self) -> int:
        """Broken cells of rows not deleted."""
        deletes = self._t.overlay.deletes
        return sum(len(c) for r, c in self.cells.items() if r not in deletes)

    def problems(self) -> list[str]:
        """Every rule broken by a pending change, one line each; empty means ready to write."""
        t = self._t
        lines = []
        new = {row: i for i, row in enumerate(t.new_rows())}
        place = {c: i for i, c in enumerate(t.columns)}
        for row in sorted(self.cells, key=lambda r: (r < 0, new.get(r, r))):
            if row in t.overlay.deletes:
                continue
            cells = self.cells[row]
            for column in sorted(cells, key=lambda c: place.get(c, len(place))):
                lines.append(f"{t.row_words(row)}, {column}: {cells[column]}")
        return lines
