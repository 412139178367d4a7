"""Looking at the table differently: search, filter, sort, column widths and hidden columns.

None of these change the change set; the Table keeps the view (order and
filter) and the grid keeps the cursor on the row it was on.
"""

from __future__ import annotations

from collections.abc import Callable

from tui.app.grid.model import GridModel
from tui.app.grid.moves import Moves
from tui.app.grid.prompt import Prompt
from tui.app.grid.viewjob import ViewJobs
from tui.app.ui import Notify
from tui.table.order import Tick
from tui.table.view import Prepared, RowFilter

WIDTH_STEP = 2


class Views:
    """Search, filter, sort and column actions; the slow ones run through ``jobs``."""

    def __init__(
        self,
        model: GridModel,
        moves: Moves,
        jobs: ViewJobs,
        prompt: Prompt,
        *,
        notify: Notify,
        refresh_bindings: Callable[[], None],
    ) -> None:
        self.model = model
        self.moves = moves
        self.jobs = jobs
        self.prompt = prompt
        self.notify = notify
        self.refresh_bindings = refresh_bindings  # the footer: the prompt has the keys

    # ----------------------------------------------------------- search

    def ask_search(self) -> None:
        if self.model.table is not None:
            self._ask("search", "/", None, self.model.search_text)

    def _ask(self, kind: str, label: str, column: str | None, text: str = "") -> None:
        self.prompt.ask(kind, label, column, text)
        self.refresh_bindings()

    def find_again(self, *, backwards: bool = False) -> None:
        self.find(self.model.search_text, backwards=backwards)

    def find(self, text: str, *, backwards: bool = False) -> int | None:
        """Move to the next row (after the cursor, wrapping) containing ``text``."""
        m = self.model
        table = m.table
        if table is None or not text:
            return None
        m.search_text = text
        start, found = m.pos, []

        def search(tick: Tick) -> int | None:
            return table.search(text, start, backwards=backwards, tick=tick)

        def done(position: int | None) -> None:
            found.append(position)
            if position is None:
                self.notify(f"not found: {text}", severity="warning", timeout=3)
            else:
                self.moves.move_to(position, self._column_with(position, text))

        self.jobs.run(f"searching for {text!r}", search, done)
        return found[0] if found else None

    def _column_with(self, position: int, text: str) -> int:
        """The first shown column of that row whose text holds ``text``; else the cursor's."""
        m = self.model
        table = m.table
        assert table is not None
        row, needle = table.row_at(position), text.casefold()
        for index, column in enumerate(m.columns.shown):
            if needle in table.text(row, column).casefold():
                return index
        return m.col

    # ----------------------------------------------------------- filter

    def ask_filter(self) -> None:
        column = self.model.cursor_column
        if column is not None:
            self._ask("filter", f"filter {column}:", column)

    def ask_filter_all(self) -> None:
        if self.model.table is not None:
            self._ask("filter", "filter all columns:", None)

    def clear_filter(self) -> None:
        table = self.model.table
        if table is not None and table.filtered:
            self.apply_filter("", None)

    def apply_filter(self, text: str, column: str | None) -> int:
        """Show only rows whose ``column`` (any column) contains ``text``; empty text clears."""
        table = self.model.table
        if table is None:
            return 0
        where = RowFilter(text, column) if text else None
        what = f"filtering for {text!r}" if text else "clearing the filter"

        def shown() -> None:
            if text and not table.visible_count:
                self.notify(f"no rows contain {text!r}", severity="warning", timeout=3)

        self._new_view(what, table.sorted_by, where, shown)
        return table.visible_count

    def answered(self, kind: str, text: str, column: str | None) -> None:
        """The prompt's answer: a search, or a filter."""
        if kind == "search":
            self.find(text)
        else:
            self.apply_filter(text, column)

    # ----------------------------------------------------------- sort

    def sort_by_cursor(self, *, descending: bool) -> None:
        """Sort by the cursor column; the same sort again goes back to the natural order."""
        table, column = self.model.table, self.model.cursor_column
        if table is None or column is None:
            return
        again = table.sorted_by == (column, descending)
        what = "natural order" if again else f"sorting by {column}"
        self._new_view(what, None if again else (column, descending), table.row_filter)

    def _new_view(
        self,
        what: str,
        sort: tuple[str, bool] | None,
        where: RowFilter | None,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Compute a view (in a thread when the table is big), then show it in one go."""
        m = self.model
        table = m.table
        assert table is not None

        def ready(prepared: Prepared) -> None:
            if m.table is not table:
                return  # another destination is shown now
            row = m.cursor_row  # where the cursor is now: the user may have moved on
            if not table.use_view(prepared):  # changed meanwhile (a writeback's results)
                self._new_view(what, sort, where, then)
                return
            self.moves.follow_row(row)
            if then is not None:
                then()

        self.jobs.run(what, lambda tick: table.prepare_view(sort, where, tick), ready)

    # ----------------------------------------------------------- columns

    def resize(self, steps: int) -> None:
        """The cursor column ``steps`` WIDTH_STEPs wider (narrower when negative)."""
        column = self.model.cursor_column
        if column is not None:
            self.model.columns.resize(column, steps * WIDTH_STEP)
            self.moves.relayout()

    def hide_column(self) -> None:
        m = self.model
        column = m.cursor_column
        if column is None:
            return
        if len(m.columns.shown) == 1:
            self.notify("the last column stays shown", severity="warning", timeout=3)
            return
        m.columns.hide(column)
        self.moves.relayout()

    def show_columns(self) -> None:
        m = self.model
        column = m.cursor_column
        m.columns.show_all()
        if column is not None:
            m.col = m.columns.shown.index(column)
        self.moves.relayout()
