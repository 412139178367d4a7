"""The grid's key actions, each handed to the part that does it.

A base of Grid so the actions keep their names (``action_cursor_up``...), which
the bindings, the command palette and the user's keymap name; the work is done
by the parts Grid makes: ``moves``, ``editor``, ``edits``, ``views`` and ``jobs``.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType
from textual.widget import Widget

from tui.app.grid.bindings import GRID_BINDINGS
from tui.app.grid.editing import Editing
from tui.app.grid.edits import Edits
from tui.app.grid.model import GridModel
from tui.app.grid.moves import Moves
from tui.app.grid.viewjob import ViewJobs
from tui.app.grid.views import Views


class GridActions(Widget):
    BINDINGS: ClassVar[list[BindingType]] = list(GRID_BINDINGS)

    # the parts, made by Grid.__init__
    model: GridModel
    moves: Moves
    jobs: ViewJobs
    edits: Edits
    editor: Editing
    views: Views

    # ----------------------------------------------------------- moving

    def action_cursor_up(self) -> None:
        self.moves.by(-1, 0)

    def action_cursor_down(self) -> None:
        self.moves.by(1, 0)

    def action_cursor_left(self) -> None:
        self.moves.by(0, -1)

    def action_cursor_right(self) -> None:
        self.moves.by(0, 1)

    def action_page_up(self) -> None:
        self.moves.pages(-1)

    def action_page_down(self) -> None:
        self.moves.pages(1)

    def action_first_column(self) -> None:
        self.moves.to_column(0)

    def action_last_column(self) -> None:
        self.moves.to_column(-1)

    def action_top(self) -> None:
        self.moves.to_row(0)

    def action_bottom(self) -> None:
        self.moves.to_row(-1)

    def action_select_up(self) -> None:
        self.moves.by(-1, 0, select=True)

    def action_select_down(self) -> None:
        self.moves.by(1, 0, select=True)

    def action_select_left(self) -> None:
        self.moves.by(0, -1, select=True)

    def action_select_right(self) -> None:
        self.moves.by(0, 1, select=True)

    def action_clear(self) -> None:
        """Escape: call off a sort, filter or search under way, else drop the selection,
        or else the filter."""
        if self.jobs.cancel():
            return
        model = self.model
        if model.anchor is not None:
            self.moves.by(0, 0)
        elif model.table is not None and model.table.filtered:
            self.views.clear_filter()

    # ----------------------------------------------------------- editing

    def action_edit(self) -> None:
        self.editor.start()

    def action_add_row(self) -> None:
        self.edits.add_row()

    def action_delete_row(self) -> None:
        self.edits.delete_rows()

    def action_revert(self) -> None:
        self.edits.revert()

    def action_undo(self) -> None:
        self.edits.history("undo")

    def action_redo(self) -> None:
        self.edits.history("redo")

    def action_fill_down(self) -> None:
        self.edits.fill_down()

    def action_copy(self) -> None:
        self.edits.copy()

    def action_paste(self) -> None:
        self.edits.paste()

    # ----------------------------------------------------------- views

    def action_search(self) -> None:
        self.views.ask_search()

    def action_search_next(self) -> None:
        self.views.find_again()

    def action_search_previous(self) -> None:
        self.views.find_again(backwards=True)

    def action_filter(self) -> None:
        self.views.ask_filter()

    def action_filter_all(self) -> None:
        self.views.ask_filter_all()

    def action_clear_filter(self) -> None:
        self.views.clear_filter()

    def action_sort(self) -> None:
        self.views.sort_by_cursor(descending=False)

    def action_sort_descending(self) -> None:
        self.views.sort_by_cursor(descending=True)

    def action_narrow(self) -> None:
        self.views.resize(-1)

    def action_widen(self) -> None:
        self.views.resize(1)

    def action_hide_column(self) -> None:
        self.views.hide_column()

    def action_show_columns(self) -> None:
        self.views.show_columns()
