"""Moving the cursor: keys, clicks, selection, and scrolling so the cursor stays in view.

A move repaints the two cells it touches (and their row numbers); only a
move that scrolls repaints the screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.app.grid.block import Block

if TYPE_CHECKING:
    from tui.app.grid.widget import Grid


class GridMoves:
    """Cursor movement of the Grid (a mixin: ``self`` is the Grid)."""

    def move_to(self: Grid, position: int, column: int, *, select: bool = False) -> None:
        """Put the cursor on a view position and shown column; ``select`` extends the block."""
        table = self.table
        if table is None:
            return
        count = table.visible_count
        position = max(0, min(position, count - 1))
        column = max(0, min(column, len(self._columns.shown) - 1))
        old, block = (self._pos, self._col), self.selection
        if select:
            self._anchor = self._anchor or old
        else:
            self._anchor = None
        self._pos, self._col = position, column
        self._row_id = table.row_at(position) if count else None
        if not self._scroll_to_cursor():
            self._repaint_moved(old, block)
        self._announce()

    def _repaint_moved(self: Grid, old: tuple[int, int], block: Block | None) -> None:
        """Repaint what a cursor move changed: two cells and their row numbers, or the blocks."""
        body = self._body
        if block is None and self._anchor is None:
            gutter = (0, self._gutter())
            body.refresh_spans(old[0], [gutter, self._cell_span(old[1])])
            body.refresh_spans(self._pos, [gutter, self._cell_span(self._col)])
            return
        body.refresh_position(old[0])
        body.refresh_position(self._pos)
        for area in (block, self.selection):
            if area is not None:
                body.refresh_positions(area.top, area.bottom)

    def _cell_span(self: Grid, index: int) -> tuple[int, int]:
        """Where a shown column is on screen now: x and width, clipped to the body."""
        if not 0 <= index < len(self._columns.shown):
            return (0, 0)
        start, width = self._columns.span(index)
        gutter = self._gutter()
        left = max(gutter, gutter + start - round(self._body.scroll_x))
        right = min(self._body.page_width, gutter + start + width - round(self._body.scroll_x))
        return (left, right - left)

    def _scroll_to_cursor(self: Grid) -> bool:
        """Scroll the least that shows the cursor cell; True when it scrolled."""
        body = self._body
        if not body.size or self.table is None:
            return False
        sx, sy = round(body.scroll_x), round(body.scroll_y)
        x, y = sx, sy
        height = body.page_height
        if self._pos < sy:
            y = self._pos
        elif self._pos >= sy + height:
            y = self._pos - height + 1
        if self._columns.shown:
            start, width = self._columns.span(self._col)
            room = max(1, body.page_width - self._gutter())
            if start < sx:
                x = start
            elif start + width > sx + room:
                x = min(start, start + width - room)
        if (x, y) == (sx, sy):
            return False
        body.scroll_to(x, y, animate=False, force=True)
        return (round(body.scroll_x), round(body.scroll_y)) != (sx, sy)

    def _keep_cursor(self: Grid) -> None:
        """After the rows changed: the cursor stays on its row, or near where it was."""
        table = self.table
        count = table.visible_count if table is not None else 0
        if table is None or not count:
            self._pos, self._row_id, self._anchor = 0, None, None
            return
        if self._row_id is not None and (
            self._pos >= count or table.row_at(self._pos) != self._row_id
        ):
            found = table.position_of(self._row_id)
            if found is not None:
                self._pos = found
        self._pos = min(self._pos, count - 1)
        self._col = max(0, min(self._col, len(self._columns.shown) - 1))
        self._row_id = table.row_at(self._pos)
        if self._anchor is not None and self._anchor[0] >= count:
            self._anchor = None

    def clicked(self: Grid, x: int, y: int, chain: int) -> None:
        """A click on the body at content offset (x, y)."""
        self.focus()
        if self._edit is not None:
            self._finish_edit(commit=True)
        table = self.table
        if table is None or y == 0 or self.editing:
            return
        position = round(self._body.scroll_y) + y - 1
        if position >= table.visible_count:
            return
        gutter = self._gutter()
        index = None
        if x >= gutter:
            index = self._columns.index_at(round(self._body.scroll_x) + x - gutter)
        self.move_to(position, self._col if index is None else index)
        if chain == 2:
            self.action_edit()

    # ----------------------------------------------------------- moving

    def action_cursor_up(self: Grid) -> None:
        self.move_to(self._pos - 1, self._col)

    def action_cursor_down(self: Grid) -> None:
        self.move_to(self._pos + 1, self._col)

    def action_cursor_left(self: Grid) -> None:
        self.move_to(self._pos, self._col - 1)

    def action_cursor_right(self: Grid) -> None:
        self.move_to(self._pos, self._col + 1)

    def action_page_up(self: Grid) -> None:
        self.move_to(self._pos - self._body.page_height, self._col)

    def action_page_down(self: Grid) -> None:
        self.move_to(self._pos + self._body.page_height, self._col)

    def action_first_column(self: Grid) -> None:
        self.move_to(self._pos, 0)

    def action_last_column(self: Grid) -> None:
        self.move_to(self._pos, len(self._columns.shown) - 1)

    def action_top(self: Grid) -> None:
        self.move_to(0, self._col)

    def action_bottom(self: Grid) -> None:
        self.move_to(self._count - 1, self._col)

    def action_select_up(self: Grid) -> None:
        self.move_to(self._pos - 1, self._col, select=True)

    def action_select_down(self: Grid) -> None:
        self.move_to(self._pos + 1, self._col, select=True)

    def action_select_left(self: Grid) -> None:
        self.move_to(self._pos, self._col - 1, select=True)

    def action_select_right(self: Grid) -> None:
        self.move_to(self._pos, self._col + 1, select=True)

    def action_clear(self: Grid) -> None:
        """Escape: call off a sort, filter or search under way, else drop the selection,
        or else the filter."""
        if self._jobs.cancel():
            return
        if self._anchor is not None:
            self.move_to(self._pos, self._col)
        elif self.table is not None and self.table.filtered:
            self.action_clear_filter()
