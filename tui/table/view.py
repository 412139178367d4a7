"""What the grid shows of a table: row ids in sorted and filtered order, without copying rows.

A view is computed in two steps so a million rows never hold up the screen:
`prepare` reads the table and may run in another thread (it only reads, and
calls `tick` between slices of work, where the caller may cancel it); `use`
puts the result in place at once, on the thread that owns the table.  Pages
loaded in between are added on `use`; any other change meanwhile makes the
result stale, and `use` refuses it.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.table import order
from tui.table.order import Tick
from tui.table.types import format_value

if TYPE_CHECKING:
    from tui.table.rows import Rows

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


class RowView:
    """The order and filter of one table; the table calls in as rows come and go."""

    def __init__(self, table: Rows) -> None:
        self.t = table
        self.ids: array[int] | None = None
        self.sort: Sort | None = None
        self.filter: RowFilter | None = None
        self.stale = False  # rows arrived or changed since the last sort
        self._match_cache: tuple[object, tuple[bytearray, set[int]]] | None = None

    # ----------------------------------------------------------- positions

    @property
    def count(self) -> int:
        return self.t.row_count if self.ids is None else len(self.ids)

    def row_at(self, position: int) -> int:
        if self.ids is not None:
            return self.ids[position]
        t = self.t
        loaded = t.loaded_count
        if 0 <= position < loaded:
            alive = t.alive_ids
            return position if alive is None else alive[position]
        if position < 0:
            raise IndexError(position)
        return t.new_rows()[position - loaded]

    def rows(self, start: int, stop: int) -> list[int]:
        start, stop = max(start, 0), min(stop, self.count)
        if self.ids is not None:
            return self.ids[start:stop].tolist()
        t = self.t
        loaded, alive = t.loaded_count, t.alive_ids
        if alive is None:
            ids = list(range(start, min(stop, loaded)))  # positions are row ids here
        else:
            ids = alive[start : min(stop, loaded)].tolist()
        if stop > loaded:
            ids += t.new_rows()[max(start - loaded, 0) : stop - loaded]
        return ids

    def position_of(self, row: int) -> int | None:
        t = self.t
        if self.ids is not None:
            try:
                return self.ids.index(row)
            except ValueError:
                return None
        if row < 0:
            new = t.new_rows()
            return t.loaded_count + new.index(row) if row in new else None
        if not t.exists(row):
            return None
        alive = t.alive_ids
        return row if alive is None else bisect.bisect_left(alive, row)

    # ----------------------------------------------------------- computing

    def prepare(self, sort: Sort | None, where: RowFilter | None, tick: Tick) -> Prepared:
        """The view for `sort` and `where`: reads only; may run in another thread."""
        t = self.t
        loaded, edits = t.store_rows, t.edits
        ids: array[int] | None = None
        if sort is not None or where is not None:
            ids = self._natural_ids(loaded)
            if where is not None:
                hits, new_hits = self.matches(where.text, where.column, where.where, tick, loaded)
                tick()
                ids = array("q", (r for r in ids if (r in new_hits if r < 0 else hits[r])))
            if sort is not None:
                column, descending = sort
                natural = where is None and t.alive_ids is None
                values = self._current_values(column, ids, natural, loaded)
                ids = order.sort_ids(ids, values, descending, tick)
                order.drop(values)
        return Prepared(sort, where, ids, loaded, edits)

    def use(self, prepared: Prepared) -> bool:
        """Put a prepared view in place; False when the table changed meanwhile."""
        if prepared.edits != self.t.edits:
            return False
        self.sort, self.filter, self.ids = prepared.sort, prepared.filter, prepared.ids
        self.stale = False
        self.add_loaded(range(prepared.loaded, self.t.store_rows))
        return True

    def clear(self) -> None:
        self.sort = self.filter = None
        self.ids = None
        self.stale = False

    def _natural_ids(self, loaded: int) -> array[int]:
        alive = self.t.alive_ids
        ids = alive if alive is not None else order.id_range(loaded)
        return ids + array("q", self.t.new_rows())

    def _current_values(
        self, column: str, ids: Sequence[int], natural: bool, loaded: int
    ) -> list[object]:
        """Current values of `ids` (`natural`: ids are all loaded rows, then the new ones)."""
        t = self.t
        full = t.store.column_values(column)[:loaded]  # pages may arrive meanwhile
        for row, cells in list(t.overlay.updates.items()):
            if column in cells and row < loaded:
                full[row] = cells[column]
        inserts = t.overlay.inserts
        if natural:
            return full + [inserts[r].get(column) for r in t.new_rows()]
        return [full[r] if r >= 0 else inserts[r].get(column) for r in ids]

    # ----------------------------------------------------------- matching

    def matches(
        self,
        text: str | None,
        column: str | None,
        where: Callable[[object], bool] | None,
        tick: Tick = order.no_tick,
        loaded: int | None = None,
    ) -> tuple[bytearray, set[int]]:
        """A byte per loaded row (1 = matches) and the set of new rows that match."""
        t = self.t
        n = t.store_rows if loaded is None else loaded
        cache_key = (text, column, where, t.version, n)
        cached = self._match_cache
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        columns = [column] if column else t.columns
        tests = {c: where or order.text_test(text or "", self.shower(c)) for c in columns}
        masks = [self._column_hits(c, text or "", where, tick)[:n] for c in columns]
        hits = order.any_of(masks, n)
        for row in list(t.overlay.updates):
            if row < n:
                hits[row] = any(tests[c](t.value(row, c)) for c in columns)
        for row in t.gone:
            if row < n:
                hits[row] = 0
        inserts = t.overlay.inserts
        new = {r for r, vals in inserts.items() if any(tests[c](vals.get(c)) for c in columns)}
        self._match_cache = (cache_key, (hits, new))
        return hits, new

    def _column_hits(
        self, column: str, text: str, where: Callable[[object], bool] | None, tick: Tick
    ) -> bytearray:
        store = self.t.store
        kind = store.column_kind(column)
        tick()
        if where is not None or kind == "DictTextColumn":
            # A dictionary column tests each distinct value once.
            return store.matches(column, where or order.text_test(text, self.shower(column)))
        # Integers and text show as str() does, which map() runs without a Python call.
        show = str if kind in ("IntColumn", "PackedTextColumn") else self.shower(column)
        values = store.column_values(column)
        hits = order.text_hits(values, text, show, tick)
        order.drop(values)
        return hits

    def shower(self, column: str) -> Callable[[object], str]:
        type_ = self.t.column_type(column)
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
        """The next position after `start` (wrapping) whose row contains `text`."""
        count = self.count
        if count == 0:
            return None
        near = self._search_near(text, start, backwards, column)
        if near is not None:
            return near
        loaded_hits, new_hits = self.matches(text, column, None, tick)
        if self.ids is None and self.t.alive_ids is None and not new_hits:
            return _search_natural(loaded_hits, start, backwards)

        def hit(pos: int) -> bool:
            row = self.row_at(pos)
            return row in new_hits if row < 0 else bool(loaded_hits[row])

        return order.next_hit(count, hit, start, backwards)

    def _search_near(
        self, text: str, start: int, backwards: bool, column: str | None, reach: int = 500
    ) -> int | None:
        # The next hit is usually close: look at a few rows before scanning whole columns.
        t = self.t
        columns = [column] if column else t.columns
        tests = [(c, order.text_test(text, self.shower(c))) for c in columns]
        step = -1 if backwards else 1
        count = self.count
        for offset in range(1, min(reach, count) + 1):
            pos = (start + step * offset) % count
            row = self.row_at(pos)
            if any(test(t.value(row, c)) for c, test in tests):
                return pos
        return None

    # ----------------------------------------------------------- rows coming and going

    def add_loaded(self, rows: range) -> None:
        if self.ids is None or not rows:
            return
        added: Sequence[int] = rows
        if self.filter is not None:
            f = self.filter
            columns = [f.column] if f.column else self.t.columns
            tests = {c: f.where or order.text_test(f.text or "", self.shower(c)) for c in columns}
            get = self.t.store.get
            added = [r for r in rows if any(tests[c](get(r, c)) for c in columns)]
        self.ids.extend(added)
        self.stale = self.stale or (self.sort is not None and bool(added))

    def append(self, row: int) -> None:
        if self.ids is not None and row not in self.ids:
            self.ids.append(row)

    def remove(self, row: int) -> None:
        if self.ids is not None and row in self.ids:
            self.ids.remove(row)

    def replace(self, old: int, new: int) -> None:
        if self.ids is not None and old in self.ids:
            self.ids[self.ids.index(old)] = new


def _search_natural(hits: bytearray, start: int, backwards: bool) -> int | None:
    # Positions are row ids here, so a byte search in C finds the next hit.
    if backwards:
        found = hits.rfind(1, 0, max(start, 0))
        return found if found >= 0 else (hits.rfind(1) if hits.rfind(1) >= 0 else None)
    found = hits.find(1, start + 1)
    return found if found >= 0 else (hits.find(1) if hits.find(1) >= 0 else None)
