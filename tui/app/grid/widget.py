"""The editable data grid: a cursor over a Table, drawing only what is on screen.

The grid holds no rows.  It asks the Table for the rows at the positions in
view, paints them line by line (``GridBody``, a Line API ScrollView) with
the change set as an overlay of styles, and sends edits straight to the
Table.  A cursor move repaints the two cells it touches; an edit, its line;
nothing here walks all rows.

Every key is an ``action_*`` method of Grid that does its work: moving the
cursor, editing the cursor cell (text drawn in place, see inplace.py; booleans
flip; a choice column opens a list), changing rows and blocks (every change
goes through the Table, which checks it), and looking at the table differently
(search, filter, sort, column widths).  A big sort, filter, search or fill down
runs through ``jobs`` (viewjob.py), so the screen never waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tui.app.grid.bindings import GRID_BINDINGS
from tui.app.grid.body import GridBody
from tui.app.grid.choices import ChoiceCancelled, ChoiceCommitted, ChoiceEditor
from tui.app.grid.clipboard import from_tsv, to_tsv
from tui.app.grid.inplace import MIN_BOX, CellEdit, LineBuffer
from tui.app.grid.layout import SAMPLE
from tui.app.grid.model import Block, GridModel
from tui.app.grid.prompt import Answered, Dismissed, Prompt
from tui.app.grid.render import COMPONENT_CLASSES, GRID_CSS, Painter, Viewport
from tui.app.grid.viewjob import ViewJobs
from tui.table import EditRefused, RowState, Table
from tui.table.order import Tick
from tui.table.view import Prepared, RowFilter

GROW_SAMPLE = 50  # rows measured at each end of what a refresh added
WIDTH_STEP = 2  # cells a column grows or shrinks per key
CHOICES_SHOWN = 10
_TRUE = frozenset({"true", "yes", "y", "1", "on"})
# Keys that finish an edit, and where the cursor goes after it: (rows, columns).
_FINISH = {"enter": (0, 0), "tab": (0, 1), "shift+tab": (0, -1), "up": (-1, 0), "down": (1, 0)}


class Grid(Widget, can_focus=True):
    """Rows of a Table with a cell cursor; see the module docstring."""

    BINDINGS: ClassVar[list[BindingType]] = list(GRID_BINDINGS)
    COMPONENT_CLASSES = COMPONENT_CLASSES
    DEFAULT_CSS = GRID_CSS

    @dataclass
    class CursorMoved(Message):
        """The cursor is on another cell, or its cell changed.

        ``text`` is the cell in full (for the status line), followed by why it is
        invalid or why the row failed to write, when it is.
        """

        row: int | None
        column: str | None
        text: str
        grid: Widget | None = field(default=None, repr=False)

        @property
        def control(self) -> Widget | None:
            return self.grid

    @dataclass
    class TableEdited(Message):
        """The change set changed through the grid; ``label`` says how ("edit price", "undo ...")."""

        label: str
        grid: Widget | None = field(default=None, repr=False)

        @property
        def control(self) -> Widget | None:
            return self.grid

    @dataclass
    class EditDeclined(Message):
        """An edit the grid did not make, and why ("locked by bob@host since 10:32")."""

        reason: str
        grid: Widget | None = field(default=None, repr=False)

        @property
        def control(self) -> Widget | None:
            return self.grid

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
        self._body = GridBody(self, model)
        self._choices = ChoiceEditor()
        self._prompt = Prompt()
        self.jobs = ViewJobs(self, lambda: model.table, self._refuse)
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
        self._body.sync_size()
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
        self._rows_changed()
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
        self._relayout()

    @property
    def cell_edit(self) -> CellEdit | None:
        """The edit in progress in the cursor cell, if any."""
        return self.model.edit

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

    # ----------------------------------------------------------- moving

    def move_to(self, position: int, column: int, *, select: bool = False) -> None:
        """Put the cursor on a view position and shown column; ``select`` extends the block."""
        m = self.model
        table = m.table
        if table is None:
            return
        count = table.visible_count
        position = max(0, min(position, count - 1))
        column = max(0, min(column, len(m.columns.shown) - 1))
        old, block = (m.pos, m.col), m.selection
        m.anchor = (m.anchor or old) if select else None
        m.pos, m.col = position, column
        m.row_id = table.row_at(position) if count else None
        if not self._body.scroll_to_cursor():
            self._body.refresh_moved(old, block)
        self._announce()

    def _move_by(self, rows: int, columns: int, *, select: bool = False) -> None:
        self.move_to(self.model.pos + rows, self.model.col + columns, select=select)

    def action_cursor_up(self) -> None:
        self._move_by(-1, 0)

    def action_cursor_down(self) -> None:
        self._move_by(1, 0)

    def action_cursor_left(self) -> None:
        self._move_by(0, -1)

    def action_cursor_right(self) -> None:
        self._move_by(0, 1)

    def action_page_up(self) -> None:
        self._move_by(-self._body.page_height, 0)

    def action_page_down(self) -> None:
        self._move_by(self._body.page_height, 0)

    def action_first_column(self) -> None:
        self.move_to(self.model.pos, 0)

    def action_last_column(self) -> None:
        self.move_to(self.model.pos, len(self.model.columns.shown) - 1)

    def action_top(self) -> None:
        self.move_to(0, self.model.col)

    def action_bottom(self) -> None:
        self.move_to(self.model.count - 1, self.model.col)

    def action_select_up(self) -> None:
        self._move_by(-1, 0, select=True)

    def action_select_down(self) -> None:
        self._move_by(1, 0, select=True)

    def action_select_left(self) -> None:
        self._move_by(0, -1, select=True)

    def action_select_right(self) -> None:
        self._move_by(0, 1, select=True)

    def action_clear(self) -> None:
        """Escape: call off a sort, filter or search under way, else drop the selection,
        or else the filter."""
        if self.jobs.cancel():
            return
        m = self.model
        if m.anchor is not None:
            self._move_by(0, 0)
        elif m.table is not None and m.table.filtered:
            self.action_clear_filter()

    def _keep_cursor(self) -> None:
        """After the rows changed: the cursor stays on its row, or near where it was."""
        m = self.model
        table = m.table
        count = table.visible_count if table is not None else 0
        if table is None or not count:
            m.pos, m.row_id, m.anchor = 0, None, None
            return
        if m.row_id is not None and (m.pos >= count or table.row_at(m.pos) != m.row_id):
            found = table.position_of(m.row_id)
            if found is not None:
                m.pos = found
        m.pos = min(m.pos, count - 1)
        m.col = max(0, min(m.col, len(m.columns.shown) - 1))
        m.row_id = table.row_at(m.pos)
        if m.anchor is not None and m.anchor[0] >= count:
            m.anchor = None

    def _rows_changed(self) -> None:
        """Rows came, went or moved: resize, keep the cursor on its row, repaint."""
        self._body.sync_size()
        self._keep_cursor()
        self._body.scroll_to_cursor()
        self._body.refresh()

    def _relayout(self) -> None:
        """Columns or widths changed: new virtual width, cursor in view, repaint."""
        m = self.model
        m.col = max(0, min(m.col, len(m.columns.shown) - 1))
        m.anchor = None
        self._body.sync_size()
        self._body.scroll_to_cursor()
        self._body.refresh()
        self._announce()

    def _follow_row(self, row: int | None) -> None:
        """The view's rows or their order changed: the cursor follows its row."""
        m = self.model
        assert m.table is not None
        m.anchor = None
        self._body.sync_size()
        found = m.table.position_of(row) if row is not None else None
        m.pos = found if found is not None else 0
        m.row_id = row if found is not None else None
        self._keep_cursor()
        self._body.scroll_to_cursor()
        self._body.refresh()
        self._announce()

    # ----------------------------------------------------------- editing the cursor cell

    def action_edit(self) -> None:
        """Edit the cursor cell with the editor its column type wants: booleans flip, a
        column with choices opens a list, anything else is edited as text in place."""
        m = self.model
        table = self._writable()
        row, column = m.cursor_row, m.cursor_column
        if table is None or row is None or column is None:
            return
        reason = table.editable(row, column)
        if reason:
            self._refuse(reason)
            return
        kind = table.column_type(column)
        config = table.config.get(column)
        if kind == "boolean":
            self._edit_value(row, column, not _truthy(table.value(row, column)))
        elif config is not None and config.choices:
            self._open_choices(row, column, list(config.choices), table.text(row, column))
        else:
            room = max(1, self._body.page_width - m.gutter())
            width = min(max(m.columns.widths[column], MIN_BOX), room)
            m.edit = CellEdit(row, column, kind, width, LineBuffer(table.text(row, column)))
            self._body.refresh_position(m.pos)
            self.refresh_bindings()

    def _refresh_edit_box(self) -> None:
        """Repaint the edit box only (it may reach over the cells to its right)."""
        m, edit = self.model, self.model.edit
        if edit is not None:
            x = self._body.cell_span(m.col)[0]
            x = max(m.gutter(), min(x, self._body.page_width - edit.width))
            self._body.refresh_spans(m.pos, [(x, edit.width)])

    def _finish_edit(self, *, commit: bool) -> None:
        """Close the cell's edit box, making the edit when ``commit``."""
        m = self.model
        edit, m.edit = m.edit, None
        if edit is None:
            return
        self._body.refresh_position(m.pos)
        self.refresh_bindings()
        if commit:
            self._edit_text(edit.row, edit.column, edit.buffer.text)

    def _open_choices(self, row: int, column: str, choices: list[str], current: str) -> None:
        m = self.model
        x = self._body.cell_span(m.col)[0]
        y = 1 + m.pos - round(self._body.scroll_y)
        height = min(len(choices), CHOICES_SHOWN) + 2
        below = y + 1 + height <= self._body.size.height
        self._choices.open(row, column, choices, current, (x, y + 1 if below else y - height))
        self.refresh_bindings()

    def _edit_text(self, row: int, column: str, text: str) -> None:
        """A value typed in: read by the column's type (text that does not parse is kept
        and the cell marked invalid, with the reason in CursorMoved)."""
        edited = self._apply(column, lambda table: table.edit_text(row, column, text))
        if edited and self.model.columns.fit_text(column, text):
            self._body.sync_size()
            self._body.refresh()

    def _edit_value(self, row: int, column: str, value: object) -> None:
        self._apply(column, lambda table: table.edit(row, column, value))

    # ----------------------------------------------------------- changing rows and blocks

    def _writable(self) -> Table | None:
        """The table when the grid may change it; otherwise says why and returns None."""
        m = self.model
        if m.table is None:
            return None
        if m.read_only:
            self._refuse(m.read_only)
            return None
        if self.jobs.running:  # its result must fit the rows it was computed from
            self._refuse("wait for the sort, filter or search under way, or esc")
            return None
        return m.table

    def _apply(self, column: str, edit: Callable[[Table], bool]) -> bool:
        """Make one edit on the table; True when it changed something (the app is told)."""
        table = self._writable()
        if table is None:
            return False
        try:
            changed = edit(table)
        except EditRefused as refused:
            self._refuse(str(refused))
            return False
        if changed:
            self._changed(self._step_label(f"edit {column}"))
        return changed

    def action_add_row(self) -> None:
        table = self._writable()
        if table is None:
            return
        try:
            row = table.add_row()
        except EditRefused as refused:
            self._refuse(str(refused))
            return
        self._body.sync_size()
        position = table.position_of(row)
        if position is not None:
            shown = self.model.columns.shown
            editable = [i for i, c in enumerate(shown) if not table.editable(row, c)]
            self.move_to(position, editable[0] if editable else self.model.col)
        self._changed(self._step_label("add row"), rows=True)

    def action_delete_row(self) -> None:
        """Delete the selected rows, or undelete them when all are deleted already."""
        table = self._writable()
        rows = self._target_rows()
        if table is None or not rows:
            return
        try:
            if all(table.state(r) is RowState.DELETED for r in rows):
                done = table.undelete_rows(rows)
            else:
                done = table.delete_rows(rows)
        except EditRefused as refused:
            self._refuse(str(refused))
            return
        if done:
            self._changed(self._step_label("delete"), rows=True)

    def action_revert(self) -> None:
        """Throw away the pending changes of the selected rows (one undo step)."""
        table = self._writable()
        rows = self._target_rows()
        if table is None or not rows:
            return
        if (self.model.reverter or table.revert_rows)(rows):
            self._changed(self._step_label("revert"), rows=True)

    def action_undo(self) -> None:
        self._step_through("undo")

    def action_redo(self) -> None:
        self._step_through("redo")

    def _step_through(self, word: str) -> None:
        """``word`` is "undo" or "redo"; the cursor goes where the step happened."""
        table = self._writable()
        if table is None:
            return
        step = table.undo() if word == "undo" else table.redo()
        if step is None:
            self._refuse(f"nothing to {word}")
            return
        self._body.sync_size()
        m = self.model
        column = getattr(step.operations[0], "column", None)
        position = table.position_of(step.rows[0]) if step.rows and table.visible_count else None
        if position is not None:
            shown = m.columns.shown
            self.move_to(position, shown.index(column) if column in shown else m.col)
        self._changed(f"{word} {step.label}", rows=True)

    def action_fill_down(self) -> None:
        """The top row of the selection into the rows below it; without one, the cell above."""
        table = self._writable()
        if table is None or not table.visible_count:
            return
        area = self._fill_area(table)
        if area is None:
            self._refuse("nothing above to fill down from")
            return
        rows, columns = area
        cells = (len(rows) - 1) * len(columns)

        def filled() -> None:
            if table.last_step_changed:
                self._changed(self._step_label("fill down"), rows=True)

        try:
            self.jobs.run_steps(
                f"filling down {cells:,} cells",
                table.filling_down(rows, columns, every=1000),
                cells,
                filled,
            )
        except EditRefused as refused:
            self._refuse(str(refused))

    def _fill_area(self, table: Table) -> tuple[list[int], list[str]] | None:
        """The rows (the first is copied down) and columns a fill down covers, or None."""
        m = self.model
        block = m.selection
        if block is not None and block.height > 1:
            columns = m.columns.shown[block.left : block.right + 1]
            return table.visible_rows(block.top, block.bottom + 1), columns
        if m.pos > 0:
            return table.visible_rows(m.pos - 1, m.pos + 1), [m.columns.shown[m.col]]
        return None

    def action_copy(self) -> None:
        """The selection (or the cursor cell) as TSV to the clipboard, through the terminal."""
        m = self.model
        table = m.table
        if table is None or not table.visible_count:
            return
        top, bottom, left, right = m.selection or (m.pos, m.pos, m.col, m.col)
        columns = m.columns.shown[left : right + 1]
        rows = table.visible_rows(top, bottom + 1)
        self.app.copy_to_clipboard(to_tsv([[table.text(r, c) for c in columns] for r in rows]))
        cells = len(rows) * len(columns)
        self.notify(f"copied {cells} cell{'s' if cells != 1 else ''}", timeout=2)

    def action_paste(self) -> None:
        """Paste what was last copied in the app."""
        text = self.app.clipboard
        if not text:
            self._refuse("nothing copied yet")
            return
        self.paste_text(text)

    def paste_text(self, text: str) -> None:
        """TSV text into the cells from the cursor on; one value fills the selection."""
        m = self.model
        table = self._writable()
        if table is None or not table.visible_count:
            return
        block, cells = m.selection, from_tsv(text)
        shown = m.columns.shown
        if block is not None and len(cells) == 1 and len(cells[0]) == 1:
            rows = table.visible_rows(block.top, block.bottom + 1)
            columns = shown[block.left : block.right + 1]
            cells = [cells[0] * len(columns) for _ in rows]
        else:
            rows = table.visible_rows(m.pos, m.pos + len(cells))
            columns = shown[m.col : m.col + max(map(len, cells))]
        try:
            done = table.paste(rows, columns, cells, parse=True)
        except EditRefused as refused:
            self._refuse(str(refused))
            return
        if done:
            m.columns.grow(table, rows[:200])
            self._changed(self._step_label("paste"), rows=True)

    def _target_rows(self) -> list[int]:
        """The selected rows, or the cursor's row."""
        m = self.model
        table, block = m.table, m.selection
        if table is None or not table.visible_count:
            return []
        if block is None:
            return [table.row_at(m.pos)]
        return table.visible_rows(block.top, block.bottom + 1)

    def _step_label(self, fallback: str) -> str:
        """What the last undo step is called, for TableEdited."""
        table = self.model.table
        label = table.history.undo_label if table is not None else None
        return label or fallback

    # ----------------------------------------------------------- search and filter

    def action_search(self) -> None:
        if self.model.table is not None:
            self._ask("search", "/", None, self.model.search_text)

    def action_search_next(self) -> None:
        self.find(self.model.search_text)

    def action_search_previous(self) -> None:
        self.find(self.model.search_text, backwards=True)

    def action_filter(self) -> None:
        column = self.model.cursor_column
        if column is not None:
            self._ask("filter", f"filter {column}:", column)

    def action_filter_all(self) -> None:
        if self.model.table is not None:
            self._ask("filter", "filter all columns:", None)

    def action_clear_filter(self) -> None:
        table = self.model.table
        if table is not None and table.filtered:
            self.apply_filter("", None)

    def _ask(self, kind: str, label: str, column: str | None, text: str = "") -> None:
        self._prompt.ask(kind, label, column, text)
        self.refresh_bindings()  # the footer: the prompt has the keys

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
                self.move_to(position, self._column_with(position, text))

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

    # ----------------------------------------------------------- sort

    def action_sort(self) -> None:
        self._sort_by_cursor(descending=False)

    def action_sort_descending(self) -> None:
        self._sort_by_cursor(descending=True)

    def _sort_by_cursor(self, *, descending: bool) -> None:
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
        """Compute a view (in a thread when the table is big), then show it in one go.

        The Table keeps the view (order and filter); the cursor stays on its row."""
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
            self._follow_row(row)
            if then is not None:
                then()

        self.jobs.run(what, lambda tick: table.prepare_view(sort, where, tick), ready)

    # ----------------------------------------------------------- columns

    def action_narrow(self) -> None:
        self._resize(-1)

    def action_widen(self) -> None:
        self._resize(1)

    def _resize(self, steps: int) -> None:
        """The cursor column ``steps`` WIDTH_STEPs wider (narrower when negative)."""
        column = self.model.cursor_column
        if column is not None:
            self.model.columns.resize(column, steps * WIDTH_STEP)
            self._relayout()

    def action_hide_column(self) -> None:
        m = self.model
        column = m.cursor_column
        if column is None:
            return
        if len(m.columns.shown) == 1:
            self.notify("the last column stays shown", severity="warning", timeout=3)
            return
        m.columns.hide(column)
        self._relayout()

    def action_show_columns(self) -> None:
        m = self.model
        column = m.cursor_column
        m.columns.show_all()
        if column is not None:
            m.col = m.columns.shown.index(column)
        self._relayout()

    # ----------------------------------------------------------- telling the app

    def _announce(self, force: bool = False) -> None:
        row, column = self.cursor_row, self.cursor_column
        news = (row, column, self._cursor_text(row, column))
        if force or news != self._announced:
            self._announced = news
            self.post_message(self.CursorMoved(*news, grid=self))

    def _cursor_text(self, row: int | None, column: str | None) -> str:
        """A cell in full, then why it is invalid or why its row failed to write."""
        table = self.model.table
        if table is None or row is None or column is None:
            return ""
        problems = [p for p in (table.cell_error(row, column), table.row_error(row)) if p]
        return " — ".join([table.text(row, column), *problems])

    def _refuse(self, reason: str) -> None:
        self.post_message(self.EditDeclined(reason, grid=self))

    def _changed(self, label: str, *, rows: bool = False) -> None:
        """Repaint after a change (``rows``: rows came, went or moved) and tell the app."""
        if rows:
            self._rows_changed()
        else:
            self._body.refresh_position(self.model.pos)
        self.post_message(self.TableEdited(label, grid=self))
        self._announce()

    # ----------------------------------------------------------- painting

    def paint_line(self, y: int, scroll_x: int, scroll_y: int, width: int) -> Strip:
        """Line ``y`` of the body: the header, or the row at position scroll_y + y - 1."""
        m, painter = self.model, self._painter
        table, layout = m.table, m.columns
        if table is None or not layout.shown:
            return painter.blank(width)
        view = Viewport(scroll_x, width, m.gutter())
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
        self.call_after_refresh(self._body.scroll_to_cursor)

    def clicked(self, x: int, y: int, chain: int) -> None:
        """A click on the body at content offset (x, y)."""
        self.focus()
        if self.model.edit is not None:
            self._finish_edit(commit=True)
        at = None if self.editing else self._body.position_at(x, y)
        if at is None:
            return
        self.move_to(*at)
        if chain == 2:
            self.action_edit()

    def on_key(self, event: events.Key) -> None:
        """While a cell is edited every key goes to it (the grid's keys wait)."""
        edit = self.model.edit
        if edit is None:
            return
        if event.key == "escape":
            self._finish_edit(commit=False)
        elif event.key in _FINISH:
            rows, columns = _FINISH[event.key]
            self._finish_edit(commit=True)
            if rows or columns:
                self._move_by(rows, columns)
        elif edit.key(event.key, event.character):
            self._refresh_edit_box()
        else:
            # Any other key commits and then does what it does (page down, write back...).
            self._finish_edit(commit=True)
            return
        event.stop()
        event.prevent_default()

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        edit = self.model.edit
        if edit is not None:
            edit.buffer.insert(event.text)
            self._refresh_edit_box()
        elif not self.editing:
            self.paste_text(event.text)

    def on_grid_editor_choice_committed(self, message: ChoiceCommitted) -> None:
        message.stop()
        self._close_editors()
        self._edit_text(message.row, message.column, message.text)

    def on_grid_editor_choice_cancelled(self, message: ChoiceCancelled) -> None:
        message.stop()
        self._close_editors()

    def on_grid_prompt_answered(self, message: Answered) -> None:
        message.stop()
        self._close_editors()
        if message.kind == "search":
            self.find(message.text)
        else:
            self.apply_filter(message.text, message.column)

    def on_grid_prompt_dismissed(self, message: Dismissed) -> None:
        message.stop()
        self._close_editors()

    def _close_editors(self) -> None:
        """Close whatever edits or asks, without a change; the keys come back to the grid."""
        if self.model.edit is not None:
            self._finish_edit(commit=False)
        was_open = self._choices.target is not None or bool(self._prompt.display)
        self._choices.close()
        self._prompt.close()
        if was_open:
            self.focus()
            self.refresh_bindings()


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def _added_rows(table: Table, before: int) -> list[int]:
    """A few of the rows a refresh added (positions from ``before`` on), to measure."""
    count = table.visible_count
    head = table.visible_rows(before, min(count, before + min(SAMPLE, GROW_SAMPLE)))
    return head + table.visible_rows(max(before + GROW_SAMPLE, count - GROW_SAMPLE), count)
