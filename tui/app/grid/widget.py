"""The editable data grid: a cursor over a Table, drawing only what is on screen.

The grid holds no rows.  It asks the Table for the rows at the positions in
view, paints them line by line (``GridBody``, a Line API ScrollView) with
the change set as an overlay of styles, and sends edits straight to the
Table.  A cursor move repaints the two cells it touches; an edit, its line;
nothing here walks all rows.  Cell edits are drawn in place (see inplace.py);
a list of choices and the search/filter prompt are widgets of their own.

What it does is done by parts it owns, each given the shared ``GridModel``
and only the widgets and callables it needs: ``moves`` (moves.py),
``editor`` (editing.py), ``edits`` (edits.py), ``views`` (views.py) and
``jobs`` (viewjob.py); the key actions (actions.py) hand each key to one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.strip import Strip

from tui.app.grid import messages
from tui.app.grid.actions import GridActions
from tui.app.grid.block import Block
from tui.app.grid.body import GridBody
from tui.app.grid.choices import Cancelled, ChoiceEditor, Committed
from tui.app.grid.editing import Editing
from tui.app.grid.edits import Edits
from tui.app.grid.inplace import CellEdit
from tui.app.grid.layout import SAMPLE
from tui.app.grid.model import GridModel
from tui.app.grid.moves import Moves
from tui.app.grid.prompt import Answered, Dismissed, Prompt
from tui.app.grid.render import Painter, View
from tui.app.grid.styles import COMPONENT_CLASSES, GRID_CSS
from tui.app.grid.viewjob import ViewJobs
from tui.app.grid.views import Views
from tui.table import Table

GROW_SAMPLE = 50  # rows measured at each end of what a refresh added


class Grid(GridActions, can_focus=True):
    """Rows of a Table with a cell cursor; see the module docstring."""

    COMPONENT_CLASSES = COMPONENT_CLASSES
    DEFAULT_CSS = GRID_CSS

    # the messages, by the names handlers and tests know them by
    CursorMoved: TypeAlias = messages.CursorMoved
    TableEdited: TypeAlias = messages.TableEdited
    Refused: TypeAlias = messages.Refused

    def __init__(
        self,
        *,
        row_numbers: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.model = model = GridModel(row_numbers=row_numbers)
        self._painter = Painter(self._component_style)
        self._body = GridBody(self)
        self._choices = ChoiceEditor()
        self._prompt = Prompt()
        self.jobs = ViewJobs(self, lambda: model.table)
        self.moves = Moves(model, self._body, self._announce)
        self.edits = Edits(
            model, self.moves, self.jobs, refuse=self._refuse, edited=self._edited,
            copy=lambda text: self.app.copy_to_clipboard(text), pasted=lambda: self.app.clipboard,
            notify=self.notify,
        )  # fmt: skip
        self.editor = Editing(model, self.moves, self.edits, self._choices, self.refresh_bindings)
        self.views = Views(
            model, self.moves, self.jobs, self._prompt,
            notify=self.notify, refresh_bindings=self.refresh_bindings,
        )  # fmt: skip
        self._announced: tuple[int | None, str | None, str] | None = None
        self._style_signature: tuple[Style, ...] = ()

    def compose(self) -> ComposeResult:
        yield self._body
        yield self.jobs.line
        yield self._prompt
        yield self._choices

    # ----------------------------------------------------------- public

    def set_table(
        self,
        table: Table | None,
        read_only: str | None = None,
        reverter: Callable[[list[int]], int] | None = None,
    ) -> None:
        """Show a table (None: an empty grid), cursor at the top left; `reverter`
        reverts its rows instead of the table itself."""
        m = self.model
        self._close_editors()
        self.jobs.cancel(quiet=True)
        m.table = table
        m.reverter = reverter
        self.read_only = read_only
        m.columns.reset(table)
        self._painter.forget_types()
        m.pos = m.col = 0
        m.anchor = None
        self.moves.sync_size()
        m.row_id = table.row_at(0) if table is not None and m.count else None
        if self.is_mounted:
            self._body.scroll_to(0, 0, animate=False, force=True)
        self._body.refresh()
        self._announce(force=True)

    @property
    def table(self) -> Table | None:
        return self.model.table

    @property
    def read_only(self) -> str | None:
        """Why the grid refuses edits now, or None when it takes them."""
        return self.model.read_only

    @read_only.setter
    def read_only(self, reason: str | None) -> None:
        self.model.read_only = reason or None
        self.set_class(bool(reason), "-read-only")
        if reason and self.editing:
            self._close_editors()

    def refresh_table(self) -> None:
        """The table changed outside the grid: resize, repaint, keep the cursor on its row."""
        m = self.model
        table = m.table
        if table is None:
            self._body.refresh()
            return
        m.columns.sync(table)
        before = m.count
        self._painter.forget_types()
        if table.visible_count > before:
            m.columns.grow(table, _added_rows(table, before))
        self.moves.sync_size()
        self.moves.keep_cursor()
        self.moves.scroll_to_cursor()
        self._body.refresh()
        self._announce()

    @property
    def cursor_row(self) -> int | None:
        """The Table row id under the cursor."""
        return self.model.cursor_row

    @property
    def cursor_column(self) -> str | None:
        return self.model.cursor_column

    @property
    def cursor_position(self) -> int:
        """The cursor's position in the view (0 = first row shown)."""
        return self.model.pos

    @property
    def selection(self) -> Block | None:
        """The selected block (anchor to cursor), or None."""
        return self.model.selection

    @property
    def shown_columns(self) -> list[str]:
        return list(self.model.columns.shown)

    def column_width(self, column: str) -> int:
        return self.model.columns.widths[column]

    @property
    def row_numbers(self) -> bool:
        return self.model.row_numbers

    @row_numbers.setter
    def row_numbers(self, show: bool) -> None:
        self.model.row_numbers = show
        self.moves.relayout()

    @property
    def cell_edit(self) -> CellEdit | None:
        """The edit in progress in the cursor cell, if any."""
        return self.model.edit

    def move_to(self, position: int, column: int, *, select: bool = False) -> None:
        """Put the cursor on a view position and shown column; ``select`` extends the block."""
        self.moves.move_to(position, column, select=select)

    def find(self, text: str, *, backwards: bool = False) -> int | None:
        """Move to the next row (after the cursor, wrapping) containing ``text``."""
        return self.views.find(text, backwards=backwards)

    def apply_filter(self, text: str, column: str | None) -> int:
        """Show only rows whose ``column`` (any column) contains ``text``; empty text clears."""
        return self.views.apply_filter(text, column)

    def paste_text(self, text: str) -> None:
        """TSV text into the cells from the cursor on; one value fills the selection."""
        self.edits.paste_text(text)

    @property
    def editing(self) -> bool:
        """An editor or the prompt is open (the grid's keys are off meanwhile)."""
        open_list = self._choices.target is not None
        return self.model.edit is not None or open_list or bool(self._prompt.display)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.editing:
            return False  # the open editor or prompt has the keys
        if action == "clear":  # escape with nothing to clear is left to the app
            filtered = self.table is not None and self.table.filtered
            return self.jobs.running or self.model.anchor is not None or filtered
        return True

    # ----------------------------------------------------------- telling the app

    def _announce(self, force: bool = False) -> None:
        row, column = self.cursor_row, self.cursor_column
        news = (row, column, self.model.cursor_text(row, column))
        if force or news != self._announced:
            self._announced = news
            self.post_message(self.CursorMoved(*news, grid=self))

    def _refuse(self, reason: str) -> None:
        self.post_message(self.Refused(reason, grid=self))

    def _edited(self, label: str) -> None:
        self.post_message(self.TableEdited(label, grid=self))
        self._announce()

    # ----------------------------------------------------------- painting

    def paint_line(self, y: int, scroll_x: int, scroll_y: int, width: int) -> Strip:
        """Line ``y`` of the body: the header, or the row at position scroll_y + y - 1."""
        m, painter = self.model, self._painter
        table, layout = m.table, m.columns
        if table is None or not layout.shown:
            return painter.blank(width)
        view = View(scroll_x, width, m.gutter())
        if y == 0:
            return painter.header(table, layout, view)
        position = scroll_y + y - 1
        if position >= table.visible_count:
            return painter.blank(width)
        cursor = (m.pos, m.col)
        return painter.row(table, layout, position, view, cursor, m.selection, m.edit)

    def styles_changed(self) -> None:
        """Repaint only when a style the painter uses really changed (focus changes do not)."""
        try:
            signature = (
                self._body.rich_style,
                *(self._component_style(name) for name in sorted(self.COMPONENT_CLASSES)),
            )
        except KeyError:  # the CSS is not applied yet
            self._style_signature = ()
            self._painter.reset(self._body.rich_style)
            return
        if signature != self._style_signature:
            self._style_signature = signature
            self._painter.reset(self._body.rich_style)
            self._body.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.styles_changed()

    def _component_style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    # ----------------------------------------------------------- events

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.moves.scroll_to_cursor)

    def clicked(self, x: int, y: int, chain: int) -> None:
        """A click on the body at content offset (x, y)."""
        self.focus()
        if self.model.edit is not None:
            self.editor.finish(commit=True)
        at = None if self.editing else self.moves.position_at(x, y)
        if at is None:
            return
        self.moves.move_to(*at)
        if chain == 2:
            self.action_edit()

    def on_key(self, event: events.Key) -> None:
        """While a cell is edited every key goes to it (the grid's keys wait)."""
        if self.editor.key(event.key, event.character):
            event.stop()
            event.prevent_default()

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        if self.model.edit is not None:
            self.editor.paste(event.text)
        elif not self.editing:
            self.edits.paste_text(event.text)

    def on_grid_editor_committed(self, message: Committed) -> None:
        message.stop()
        self._close_editors()
        self.editor.edit_text(message.row, message.column, message.text)

    def on_grid_editor_cancelled(self, message: Cancelled) -> None:
        message.stop()
        self._close_editors()

    def on_grid_prompt_answered(self, message: Answered) -> None:
        message.stop()
        self._close_editors()
        self.views.answered(message.kind, message.text, message.column)

    def on_grid_prompt_dismissed(self, message: Dismissed) -> None:
        message.stop()
        self._close_editors()

    def _close_editors(self) -> None:
        """Close whatever edits or asks, without a change; the keys come back to the grid."""
        if self.model.edit is not None:
            self.editor.finish(commit=False)
        was_open = self._choices.target is not None or bool(self._prompt.display)
        self._choices.close()
        self._prompt.close()
        if was_open:
            self.focus()
            self.refresh_bindings()


def _added_rows(table: Table, before: int) -> list[int]:
    """A few of the rows a refresh added (positions from ``before`` on), to measure."""
    count = table.visible_count
    head = table.visible_rows(before, min(count, before + min(SAMPLE, GROW_SAMPLE)))
    return head + table.visible_rows(max(before + GROW_SAMPLE, count - GROW_SAMPLE), count)
