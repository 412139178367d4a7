"""Moving the cursor: keys, clicks, selection, and scrolling so the cursor stays in view.

A move repaints the two cells it touches (and their row numbers); only a
move that scrolls repaints the screen.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.geometry import Size

from tui.app.grid.block import Block
from tui.app.grid.body import GridBody
from tui.app.grid.model import GridModel


class Moves:
    """The cursor over the body: where it is, what a move repaints, what scrolls."""

    def __init__(self, model: GridModel, body: GridBody, announce: Callable[[], None]) -> None:
        self.model = model
        self.body = body
        self.announce = announce  # tell the app where the cursor is (when that changed)

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
        if not self.scroll_to_cursor():
            self._repaint_moved(old, block)
        self.announce()

    def by(self, rows: int, columns: int, *, select: bool = False) -> None:
        """Move relative to the cursor."""
        self.move_to(self.model.pos + rows, self.model.col + columns, select=select)

    def pages(self, pages: int) -> None:
        self.by(pages * self.body.page_height, 0)

    def to_column(self, column: int) -> None:
        """A shown column of the cursor's row; -1 is the last."""
        last = len(self.model.columns.shown) - 1
        self.move_to(self.model.pos, last if column < 0 else column)

    def to_row(self, position: int) -> None:
        """A view position in the cursor's column; -1 is the last."""
        self.move_to(self.model.count - 1 if position < 0 else position, self.model.col)

    def _repaint_moved(self, old: tuple[int, int], block: Block | None) -> None:
        """Repaint what a cursor move changed: two cells and their row numbers, or the blocks."""
        m, body = self.model, self.body
        if block is None and m.anchor is None:
            gutter = (0, m.gutter())
            body.refresh_spans(old[0], [gutter, self.cell_span(old[1])])
            body.refresh_spans(m.pos, [gutter, self.cell_span(m.col)])
            return
        body.refresh_position(old[0])
        body.refresh_position(m.pos)
        for area in (block, m.selection):
            if area is not None:
                body.refresh_positions(area.top, area.bottom)

    def cell_span(self, index: int) -> tuple[int, int]:
        """Where a shown column is on screen now: x and width, clipped to the body."""
        columns, body = self.model.columns, self.body
        if not 0 <= index < len(columns.shown):
            return (0, 0)
        start, width = columns.span(index)
        gutter = self.model.gutter()
        left = max(gutter, gutter + start - round(body.scroll_x))
        right = min(body.page_width, gutter + start + width - round(body.scroll_x))
        return (left, right - left)

    def scroll_to_cursor(self) -> bool:
        """Scroll the least that shows the cursor cell; True when it scrolled."""
        m, body = self.model, self.body
        if not body.size or m.table is None:
            return False
        sx, sy = round(body.scroll_x), round(body.scroll_y)
        x, y = sx, sy
        height = body.page_height
        if m.pos < sy:
            y = m.pos
        elif m.pos >= sy + height:
            y = m.pos - height + 1
        if m.columns.shown:
            start, width = m.columns.span(m.col)
            room = max(1, body.page_width - m.gutter())
            if start < sx:
                x = start
            elif start + width > sx + room:
                x = min(start, start + width - room)
        if (x, y) == (sx, sy):
            return False
        body.scroll_to(x, y, animate=False, force=True)
        return (round(body.scroll_x), round(body.scroll_y)) != (sx, sy)

    def keep_cursor(self) -> None:
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

    def sync_size(self) -> None:
        """The body's virtual size from the rows in view and the column widths."""
        m = self.model
        m.count = m.table.visible_count if m.table is not None else 0
        self.body.virtual_size = Size(m.gutter() + m.columns.total, m.count + 1)

    def rows_changed(self) -> None:
        """Rows came, went or moved: resize, keep the cursor on its row, repaint."""
        self.sync_size()
        self.keep_cursor()
        self.scroll_to_cursor()
        self.body.refresh()

    def relayout(self) -> None:
        """Columns or widths changed: new virtual width, cursor in view, repaint."""
        m = self.model
        m.col = max(0, min(m.col, len(m.columns.shown) - 1))
        m.anchor = None
        self.sync_size()
        self.scroll_to_cursor()
        self.body.refresh()
        self.announce()

    def follow_row(self, row: int | None) -> None:
        """The view's rows or their order changed: the cursor follows its row."""
        m = self.model
        assert m.table is not None
        m.anchor = None
        self.sync_size()
        found = m.table.position_of(row) if row is not None else None
        m.pos = found if found is not None else 0
        m.row_id = row if found is not None else None
        self.keep_cursor()
        self.scroll_to_cursor()
        self.body.refresh()
        self.announce()

    def position_at(self, x: int, y: int) -> tuple[int, int] | None:
        """The view position and shown column at content offset (x, y) of the body."""
        m, body = self.model, self.body
        if m.table is None or y == 0:
            return None
        position = round(body.scroll_y) + y - 1
        if position >= m.table.visible_count:
            return None
        gutter, index = m.gutter(), None
        if x >= gutter:
            index = m.columns.index_at(round(body.scroll_x) + x - gutter)
        return position, m.col if index is None else index
