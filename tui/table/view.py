"""What the grid shows of a table: row ids in sorted and filtered order, without copying rows.

A view is computed in two steps so a million rows never hold up the screen:
`prepare_view` reads the table and may run in another thread (it only reads,
and calls `tick` between slices of work, where the caller may cancel it);
`use_view` puts the result in place at once, on the thread that owns the
table.  Pages loaded in between are added on `use_view`; any other change
meanwhile makes the result stale, and `use_view` refuses it.  As rows come and
go, the view follows (the methods below that extend ``Rows``'s).
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from tui.config.model import Column
from tui.table import order
from tui.table.order import Tick
from tui.table.rows import Rows
from tui.table.types import format_value

Sort = tuple[str, bool]  # column, descending


@dataclass(frozen=True)
class RowFilter:
    """Rows whose `column` (any column when None) contains `text`, or passes `where`."""

    text: str | None
    column: str | None = None
    where: Callable[[object], bool] | None = None


@dataclass(frozen=True)
class Prepared:
    """A view computed for a table, not yet in place."""

    sort: Sort | None
    filter: RowFilter | None
    ids: array[int] | None  # None: every row in natural order
    loaded: int  # loaded rows it covers
    edits: int  # the table's count of changes other than loading, when computed


class ViewedRows(Rows):
    """Rows with an order and a filter for the grid; see the module docstring."""

    def __init__(
        self,
        columns: Mapping[str, Column] | Iterable[Column] = (),
        key: Sequence[str] = (),
        *,
        read_only: str | None = None,
    ) -> None:
        super().__init__(columns, key, read_only=read_only)
        self._view_ids: array[int] | None = None  # None: every row in natural order
        self._sort: Sort | None = None
        self._filter: RowFilter | None = None
        self._match_cache: tuple[object, tuple[bytearray, set[int]]] | None = None

    # ----------------------------------------------------------- the view in place

    @property
    def sorted_by(self) -> Sort | None:
        return self._sort

    @property
    def filtered(self) -> bool:
        return self._filter is not None

    @property
    def row_filter(self) -> RowFilter | None:
        return self._filter

    @property
    def visible_count(self) -> int:
        return self.row_count if self._view_ids is None else len(self._view_ids)

    def row_at(self, position: int) -> int:
        """The row id shown at a position of the grid."""
        if self._view_ids is not None:
            return self._view_ids[position]
        loaded = self.loaded_count
        if 0 <= position < loaded:
            return position if self._alive is None else self._alive[position]
        if position < 0:
            raise IndexError(position)
        return self.new_rows()[position - loaded]

    def visible_rows(self, start: int, stop: int) -> list[int]:
        """Row ids at positions start..stop-1 (clipped), for the rows on screen."""
        start, stop = max(start, 0), min(stop, self.visible_count)
        if self._view_ids is not None:
            return self._view_ids[start:stop].tolist()
        loaded, alive = self.loaded_count, self._alive
        if alive is None:
            ids = list(range(start, min(stop, loaded)))  # positions are row ids here
        else:
            ids = alive[start : min(stop, loaded)].tolist()
        if stop > loaded:
            ids += self.new_rows()[max(start - loaded, 0) : stop - loaded]
        return ids

    def position_of(self, row: int) -> int | None:
        """Where the grid shows a row, or None when the view hides it."""
        if self._view_ids is not None:
            try:
                return self._view_ids.index(row)
            except ValueError:
                return None
        if row < 0:
            new = self.new_rows()
            return self.loaded_count + new.index(row) if row in new else None
        if not self.exists(row):
            return None
        return row if self._alive is None else bisect.bisect_left(self._alive, row)

    # ----------------------------------------------------------- changing the view

    def sort(self, column: str, descending: bool = False) -> None:
        """Order the view by a column's current values (nulls last)."""
        self.use_view(self.prepare_view((column, descending), self._filter))

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
        self.use_view(self.prepare_view(self._sort, row_filter))
        return self.visible_count

    def clear_filter(self) -> None:
        self.use_view(self.prepare_view(self._sort, None))

    def clear_view(self) -> None:
        """Natural order, no filter."""
        self._sort = self._filter = None
        self._view_ids = None

    def prepare_view(
        self, sort: Sort | None, where: RowFilter | None, tick: Tick = order.no_tick
    ) -> Prepared:
        """A view computed without changing the table (safe in another thread while
        pages load; `tick` may raise order.Cancelled between slices of the work)."""
        loaded, edits = self._store.row_count, self._edits
        ids: array[int] | None = None
        if sort is not None or where is not None:
            ids = self._natural_ids(loaded)
            if where is not None:
                hits, new_hits = self._matches(where.text, where.column, where.where, tick, loaded)
                tick()
                ids = array("q", (r for r in ids if (r in new_hits if r < 0 else hits[r])))
            if sort is not None:
                column, descending = sort
                natural = where is None and self._alive is None
                values = self._current_values(column, ids, natural, loaded)
                ids = order.sort_ids(ids, values, descending, tick)
                order.drop(values)
        return Prepared(sort, where, ids, loaded, edits)

    def use_view(self, prepared: Prepared) -> bool:
        """Put a prepared view in place; False when the table was edited meanwhile."""
        if prepared.edits != self._edits:
            return False
        self._sort, self._filter, self._view_ids = prepared.sort, prepared.filter, prepared.ids
        self._show_loaded(range(prepared.loaded, self._store.row_count))
        return True

    def _natural_ids(self, loaded: int) -> array[int]:
        alive = self._alive
        ids = alive if alive is not None else order.id_range(loaded)
        return ids + array("q", self.new_rows())

    def _current_values(
        self, column: str, ids: Sequence[int], natural: bool, loaded: int
    ) -> list[object]:
        """Current values of `ids` (`natural`: ids are all loaded rows, then the new ones)."""
        full = self._store.column_values(column)[:loaded]  # pages may arrive meanwhile
        for row, cells in list(self._overlay.updates.items()):
            if column in cells and row < loaded:
                full[row] = cells[column]
        inserts = self._overlay.inserts
        if natural:
            return full + [inserts[r].get(column) for r in self.new_rows()]
        return [full[r] if r >= 0 else inserts[r].get(column) for r in ids]

    # ----------------------------------------------------------- matching

    def _matches(
        self,
        text: str | None,
        column: str | None,
        where: Callable[[object], bool] | None,
        tick: Tick = order.no_tick,
        loaded: int | None = None,
    ) -> tuple[bytearray, set[int]]:
        """A byte per loaded row (1 = matches) and the set of new rows that match."""
        n = self._store.row_count if loaded is None else loaded
        cache_key = (text, column, where, self.version, n)
        cached = self._match_cache
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        columns = [column] if column else self.columns
        tests = {c: where or order.text_test(text or "", self._shower(c)) for c in columns}
        masks = [self._column_hits(c, text or "", where, tick)[:n] for c in columns]
        hits = order.any_of(masks, n)
        for row in list(self._overlay.updates):
            if row < n:
                hits[row] = any(tests[c](self.value(row, c)) for c in columns)
        for row in self._gone:
            if row < n:
                hits[row] = 0
        inserts = self._overlay.inserts
        new = {r for r, vals in inserts.items() if any(tests[c](vals.get(c)) for c in columns)}
        self._match_cache = (cache_key, (hits, new))
        return hits, new

    def _column_hits(
        self, column: str, text: str, where: Callable[[object], bool] | None, tick: Tick
    ) -> bytearray:
        store = self._store
        kind = store.column_kind(column)
        tick()
        if where is not None or kind == "DictTextColumn":
            # A dictionary column tests each distinct value once.
            return store.matches(column, where or order.text_test(text, self._shower(column)))
        # Integers and text show as str() does, which map() runs without a Python call.
        show = str if kind in ("IntColumn", "PackedTextColumn") else self._shower(column)
        values = store.column_values(column)
        hits = order.text_hits(values, text, show, tick)
        order.drop(values)
        return hits

    def _shower(self, column: str) -> Callable[[object], str]:
        type_ = self.column_type(column)
        return lambda v: format_value(v, type_)

    # ----------------------------------------------------------- searching

    def search(
        self,
        text: str,
        start: int,
        *,
        backwards: bool = False,
        column: str | None = None,
        tick: Tick = order.no_tick,
    ) -> int | None:
        """The next position after ``start`` (wrapping) whose row contains ``text``."""
        count = self.visible_count
        if count == 0:
            return None
        near = self._search_near(text, start, backwards, column)
        if near is not None:
            return near
        loaded_hits, new_hits = self._matches(text, column, None, tick)
        if self._view_ids is None and self._alive is None and not new_hits:
            return _search_natural(loaded_hits, start, backwards)

        def hit(pos: int) -> bool:
            row = self.row_at(pos)
            return row in new_hits if row < 0 else bool(loaded_hits[row])

        return order.next_hit(count, hit, start, backwards)

    def _search_near(
        self, text: str, start: int, backwards: bool, column: str | None, reach: int = 500
    ) -> int | None:
        # The next hit is usually close: look at a few rows before scanning whole columns.
        columns = [column] if column else self.columns
        tests = [(c, order.text_test(text, self._shower(c))) for c in columns]
        step = -1 if backwards else 1
        count = self.visible_count
        for offset in range(1, min(reach, count) + 1):
            pos = (start + step * offset) % count
            row = self.row_at(pos)
            if any(test(self.value(row, c)) for c, test in tests):
                return pos
        return None

    # ----------------------------------------------------------- rows coming and going

    def append_page(self, records: Sequence[Mapping[str, object]]) -> range:
        rows = super().append_page(records)
        self._show_loaded(rows)
        return rows

    def _show_loaded(self, rows: range) -> None:
        """Loaded rows join a sorted or filtered view at its end (if they pass the filter)."""
        if self._view_ids is None or not rows:
            return
        added: Sequence[int] = rows
        if self._filter is not None:
            f = self._filter
            columns = [f.column] if f.column else self.columns
            tests = {c: f.where or order.text_test(f.text or "", self._shower(c)) for c in columns}
            get = self._store.get
            added = [r for r in rows if any(tests[c](get(r, c)) for c in columns)]
        self._view_ids.extend(added)

    def _add_new(self, row: int, values: dict[str, object], position: int) -> None:
        super()._add_new(row, values, position)
        if self._view_ids is not None and row not in self._view_ids:
            self._view_ids.append(row)

    def _drop_new(self, row: int) -> None:
        super()._drop_new(row)
        self._hide(row)

    def _written_new(self, row: int, server: Mapping[str, object]) -> int:
        new = super()._written_new(row, server)
        if self._view_ids is not None and row in self._view_ids:
            self._view_ids[self._view_ids.index(row)] = new
        return new

    def _forget_loaded(self, row: int) -> None:
        super()._forget_loaded(row)
        self._hide(row)

    def _clear_changes(self) -> None:
        for row in self._overlay.inserts:
            self._hide(row)
        super()._clear_changes()

    def _hide(self, row: int) -> None:
        if self._view_ids is not None and row in self._view_ids:
            self._view_ids.remove(row)


def _search_natural(hits: bytearray, start: int, backwards: bool) -> int | None:
    # Positions are row ids here, so a byte search in C finds the next hit.
    if backwards:
        found = hits.rfind(1, 0, max(start, 0))
        return found if found >= 0 else (hits.rfind(1) if hits.rfind(1) >= 0 else None)
    found = hits.find(1, start + 1)
    return found if found >= 0 else (hits.find(1) if hits.find(1) >= 0 else None)
