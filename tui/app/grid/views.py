"""Looking at the table differently: search, filter, sort, column widths and hidden columns.

None of these change the change set; the Table keeps the view (order and
filter) and the grid keeps the cursor on the row it was on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.app.grid.prompt import Answered, Dismissed
from tui.table.order import Tick
from tui.table.view import Prepared, RowFilter

if TYPE_CHECKING:
    from tui.app.grid.widget import Grid

WIDTH_STEP = 2


class GridViews:
    """View actions of the Grid (a mixin: ``self`` is the Grid)."""

    # ----------------------------------------------------------- search

    def action_search(self: Grid) -> None:
        if self.table is not None:
            self._ask("search", "/", None, self._search_text)

    def _ask(self: Grid, kind: str, label: str, column: str | None, text: str = "") -> None:
        self._prompt.ask(kind, label, column, text)
        self.refresh_bindings()

    def action_search_next(self: Grid) -> None:
        self.find(self._search_text)

    def action_search_previous(self: Grid) -> None:
        self.find(self._search_text, backwards=True)

    def find(self: Grid, text: str, *, backwards: bool = False) -> int | None:
        """Move to the next row (after the cursor, wrapping) containing ``text``."""
        table = self.table
        if table is None or not text:
            return None
        self._search_text = text
        start, found = self._pos, []

        def search(tick: Tick) -> int | None:
            return table.search(text, start, backwards=backwards, tick=tick)

        def done(position: int | None) -> None:
            found.append(position)
            if position is None:
                self.notify(f"not found: {text}", severity="warning", timeout=3)
            else:
                self.move_to(position, self._column_with(position, text))

        self._jobs.run(f"searching for {text!r}", search, done)
        return found[0] if found else None

    def _column_with(self: Grid, position: int, text: str) -> int:
        """The first shown column of that row whose text holds ``text``; else the cursor's."""
        table = self.table
        assert table is not None
        row, needle = table.row_at(position), text.casefold()
        for index, column in enumerate(self._columns.shown):
            if needle in table.text(row, column).casefold():
                return index
        return self._col

    # ----------------------------------------------------------- filter

    def action_filter(self: Grid) -> None:
        column = self.cursor_column
        if column is not None:
            self._ask("filter", f"filter {column}:", column)

    def action_filter_all(self: Grid) -> None:
        if self.table is not None:
            self._ask("filter", "filter all columns:", None)

    def action_clear_filter(self: Grid) -> None:
        if self.table is not None and self.table.filtered:
            self.apply_filter("", None)

    def apply_filter(self: Grid, text: str, column: str | None) -> int:
        """Show only rows whose ``column`` (any column) contains ``text``; empty text clears."""
        table = self.table
        if table is None:
            return 0
        where = RowFilter(text, column) if text else None
        what = f"filtering for {text!r}" if text else "clearing the filter"

        def shown() -> None:
            if text and not table.visible_count:
                self.notify(f"no rows contain {text!r}", severity="warning", timeout=3)

        self._new_view(what, table.sorted_by, where, shown)
        return table.visible_count

    def on_grid_prompt_answered(self: Grid, message: Answered) -> None:
        message.stop()
        self._close_editors()
        if message.kind == "search":
            self.find(message.text)
        else:
            self.apply_filter(message.text, message.column)

    def on_grid_prompt_dismissed(self: Grid, message: Dismissed) -> None:
        message.stop()
        self._close_editors()

    # ----------------------------------------------------------- sort

    def action_sort(self: Grid) -> None:
        self.sort_by_cursor(descending=False)

    def action_sort_descending(self: Grid) -> None:
        self.sort_by_cursor(descending=True)

    def sort_by_cursor(self: Grid, *, descending: bool) -> None:
        """Sort by the cursor column; the same sort again goes back to the natural order."""
        table, column = self.table, self.cursor_column
        if table is None or column is None:
            return
        again = table.sorted_by == (column, descending)
        what = "natural order" if again else f"sorting by {column}"
        self._new_view(what, None if again else (column, descending), table.row_filter)

    def _new_view(
        self: Grid,
        what: str,
        sort: tuple[str, bool] | None,
        where: RowFilter | None,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Compute a view (in a thread when the table is big), then show it in one go."""
        table = self.table
        assert table is not None

        def ready(prepared: Prepared) -> None:
            if self.table is not table:
                return  # another destination is shown now
            row = self.cursor_row  # where the cursor is now: the user may have moved on
            if not table.use_view(prepared):  # changed meanwhile (a writeback's results)
                self._new_view(what, sort, where, then)
                return
            self._view_changed(row)
            if then is not None:
                then()

        self._jobs.run(what, lambda tick: table.prepare_view(sort, where, tick), ready)

    def _view_changed(self: Grid, row: int | None) -> None:
        """The view's rows or their order changed: follow the cursor's row."""
        table = self.table
        assert table is not None
        self._anchor = None
        self._sync_size()
        found = table.position_of(row) if row is not None else None
        self._pos = found if found is not None else 0
        self._row_id = row if found is not None else None
        self._keep_cursor()
        self._scroll_to_cursor()
        self._body.refresh()
        self._announce()

    # ----------------------------------------------------------- columns

    def action_narrow(self: Grid) -> None:
        self._resize(-WIDTH_STEP)

    def action_widen(self: Grid) -> None:
        self._resize(WIDTH_STEP)

    def _resize(self: Grid, delta: int) -> None:
        column = self.cursor_column
        if column is not None:
            self._columns.resize(column, delta)
            self._layout_changed()

    def action_hide_column(self: Grid) -> None:
        column = self.cursor_column
        if column is None:
            return
        if len(self._columns.shown) == 1:
            self.notify("the last column stays shown", severity="warning", timeout=3)
            return
        self._columns.hide(column)
        self._layout_changed()

    def action_show_columns(self: Grid) -> None:
        column = self.cursor_column
        self._columns.show_all()
        if column is not None:
            self._col = self._columns.shown.index(column)
        self._layout_changed()
