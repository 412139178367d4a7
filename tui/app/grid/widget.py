"""The editable data grid: a cursor over a Table, drawing only what is on screen.

The grid holds no rows.  It asks the Table for the rows at the positions in
view, paints them line by line (``GridBody``, a Line API ScrollView) with
the change set as an overlay of styles, and sends edits straight to the
Table.  A cursor move repaints the two cells it touches; an edit, its line;
nothing here walks all rows.  Cell edits are drawn in place (see inplace.py);
a list of choices and the search/filter prompt are widgets of their own.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from tui.app.grid.bindings import GRID_BINDINGS
from tui.app.grid.block import Block
from tui.app.grid.body import GridBody
from tui.app.grid.choices import ChoiceEditor
from tui.app.grid.editing import GridEditing
from tui.app.grid.edits import GridEdits
from tui.app.grid.inplace import CellEdit
from tui.app.grid.layout import SAMPLE, ColumnLayout
from tui.app.grid.messages import CursorMoved, Refused, TableEdited
from tui.app.grid.moves import GridMoves
from tui.app.grid.prompt import Prompt
from tui.app.grid.render import Painter, View, gutter_width
from tui.app.grid.viewjob import ViewJobs
from tui.app.grid.views import GridViews
from tui.table import Table

GROW_SAMPLE = 50  # rows measured at each end of what a refresh added


class Grid(GridMoves, GridEditing, GridEdits, GridViews, Widget, can_focus=True):
    """Rows of a Table with a cell cursor; see the module docstring."""

    BINDINGS = GRID_BINDINGS
    COMPONENT_CLASSES = {
        "grid--header",
        "grid--changed",
        "grid--new",
        "grid--deleted",
        "grid--invalid",
        "grid--cursor",
        "grid--selection",
        "grid--readonly",
        "grid--gutter",
        "grid--gutter-cursor",
        "grid--editor",
        "grid--editor-caret",
    }
    # Every mark also has a text style, so it shows without colour (NO_COLOR).
    DEFAULT_CSS = """
    Grid {
        height: 1fr;
        layers: base overlay;
        background: $surface;
        & > .grid--header { background: $panel; color: $foreground; text-style: bold; }
        & > .grid--changed { color: $warning; text-style: bold; }
        & > .grid--new { color: $success; text-style: italic; }
        & > .grid--deleted { color: $error; text-style: strike; }
        & > .grid--invalid { background: $error-muted; text-style: underline; }
        & > .grid--cursor {
            background: $block-cursor-background;
            color: $foreground;
            text-style: bold;
        }
        & > .grid--selection { background: $accent-muted; }
        & > .grid--readonly { text-style: dim; }
        & > .grid--gutter { text-style: dim; }
        & > .grid--gutter-cursor { color: $accent; text-style: bold; }
        & > .grid--editor { background: $primary-muted; color: $foreground; }
        & > .grid--editor-caret { text-style: reverse; }
        &:nocolor > .grid--editor { text-style: underline; }
        &:nocolor > .grid--cursor { text-style: bold reverse; }
        &:nocolor > .grid--selection { text-style: reverse; }
    }
    """

    CursorMoved = CursorMoved
    TableEdited = TableEdited
    Refused = Refused

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
        self.table: Table | None = None
        # how rows are reverted, when someone else must see it (the workspace audits
        # held rows); None: the table's own revert
        self.reverter: Callable[[list[int]], int] | None = None
        self._read_only: str | None = None
        self._row_numbers = row_numbers
        self._columns = ColumnLayout()
        self._painter = Painter(self._component_style)
        self._body = GridBody(self)
        self._edit: CellEdit | None = None  # a cell being edited in place
        self._choices = ChoiceEditor()
        self._prompt = Prompt()
        self._jobs = ViewJobs(self)
        self._pos = 0  # cursor: view position
        self._col = 0  # cursor: index into the shown columns
        self._row_id: int | None = None  # the row under the cursor, to find it again
        self._anchor: tuple[int, int] | None = None  # the other corner of a selection
        self._count = 0  # rows in view at the last resync
        self._announced: tuple[int | None, str | None, str] | None = None
        self._search_text = ""
        self._style_signature: tuple[Style, ...] = ()

    def compose(self) -> ComposeResult:
        yield self._body
        yield self._jobs.line
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
        self._close_editors()
        self._jobs.cancel(quiet=True)
        self.table = table
        self.reverter = reverter
        self.read_only = read_only
        self._columns.reset(table)
        self._painter.forget_types()
        self._pos = self._col = 0
        self._anchor = None
        self._sync_size()
        self._row_id = table.row_at(0) if table is not None and self._count else None
        if self.is_mounted:
            self._body.scroll_to(0, 0, animate=False, force=True)
        self._body.refresh()
        self._announce(force=True)

    @property
    def read_only(self) -> str | None:
        """Why the grid refuses edits now, or None when it takes them."""
        return self._read_only

    @read_only.setter
    def read_only(self, reason: str | None) -> None:
        self._read_only = reason or None
        self.set_class(bool(reason), "-read-only")
        if reason and self.editing:
            self._close_editors()

    def refresh_table(self) -> None:
        """The table changed outside the grid: resize, repaint, keep the cursor on its row."""
        table = self.table
        if table is None:
            self._body.refresh()
            return
        self._columns.sync(table)
        before = self._count
        self._painter.forget_types()
        if table.visible_count > before:
            self._columns.grow(table, _added_rows(table, before))
        self._sync_size()
        self._keep_cursor()
        self._scroll_to_cursor()
        self._body.refresh()
        self._announce()

    @property
    def cursor_row(self) -> int | None:
        """The Table row id under the cursor."""
        table = self.table
        if table is None or not table.visible_count:
            return None
        return table.row_at(min(self._pos, table.visible_count - 1))

    @property
    def cursor_column(self) -> str | None:
        if self.table is None or not self._columns.shown:
            return None
        return self._columns.shown[self._col]

    @property
    def cursor_position(self) -> int:
        """The cursor's position in the view (0 = first row shown)."""
        return self._pos

    @property
    def selection(self) -> Block | None:
        """The selected block (anchor to cursor), or None."""
        if self._anchor is None:
            return None
        return Block.between(self._anchor, (self._pos, self._col))

    @property
    def shown_columns(self) -> list[str]:
        return list(self._columns.shown)

    def column_width(self, column: str) -> int:
        return self._columns.widths[column]

    @property
    def row_numbers(self) -> bool:
        return self._row_numbers

    @row_numbers.setter
    def row_numbers(self, show: bool) -> None:
        self._row_numbers = show
        self._layout_changed()

    @property
    def editing(self) -> bool:
        """An editor or the prompt is open (the grid's keys are off meanwhile)."""
        return (
            self._edit is not None or self._choices.target is not None or bool(self._prompt.display)
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.editing:
            return False  # the open editor or prompt has the keys
        if action == "clear":  # escape with nothing to clear is left to the app
            filtered = self.table is not None and self.table.filtered
            return self._jobs.running or self._anchor is not None or filtered
        return True

    # ----------------------------------------------------------- cursor

    def _announce(self, force: bool = False) -> None:
        row, column = self.cursor_row, self.cursor_column
        news = (row, column, self._cursor_text(row, column))
        if force or news != self._announced:
            self._announced = news
            self.post_message(CursorMoved(*news, grid=self))

    def _cursor_text(self, row: int | None, column: str | None) -> str:
        table = self.table
        if table is None or row is None or column is None:
            return ""
        problems = [p for p in (table.cell_error(row, column), table.row_error(row)) if p]
        return " — ".join([table.text(row, column), *problems])

    # ----------------------------------------------------------- painting

    def paint_line(self, y: int, scroll_x: int, scroll_y: int, width: int) -> Strip:
        """Line ``y`` of the body: the header, or the row at position scroll_y + y - 1."""
        table, painter, layout = self.table, self._painter, self._columns
        if table is None or not layout.shown:
            return painter.blank(width)
        gutter = self._gutter()
        if y == 0:
            return painter.header(table, layout, View(scroll_x, width, gutter))
        position = scroll_y + y - 1
        if position >= table.visible_count:
            return painter.blank(width)
        cursor = (self._pos, self._col)
        view = View(scroll_x, width, gutter)
        return painter.row(table, layout, position, view, cursor, self.selection, self._edit)

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

    def _gutter(self) -> int:
        return gutter_width(self._count) if self._row_numbers else 0

    def _sync_size(self) -> None:
        table = self.table
        self._count = table.visible_count if table is not None else 0
        width = self._gutter() + self._columns.total
        self._body.virtual_size = Size(width, self._count + 1)

    def _layout_changed(self) -> None:
        """Columns or widths changed: new virtual width, cursor in view, repaint."""
        self._col = max(0, min(self._col, len(self._columns.shown) - 1))
        self._anchor = None
        self._sync_size()
        self._scroll_to_cursor()
        self._body.refresh()
        self._announce()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._scroll_to_cursor)

    # ----------------------------------------------------------- editors

    def _close_editors(self) -> None:
        """Close whatever edits or asks, without a change; the keys come back to the grid."""
        if self._edit is not None:
            self._finish_edit(commit=False)
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
