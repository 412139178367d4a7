"""The scrolling surface of the grid: a Line API widget that paints only the lines in view,
and where the cursor, a cell or a click is on it."""

from __future__ import annotations

from typing import Protocol

from textual import events
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.app.grid.model import Block, GridModel


class Surface(Protocol):
    """What the body asks of the grid: its lines, a style change, a click."""

    def paint_line(self, y: int, scroll_x: int, scroll_y: int, width: int) -> Strip: ...

    def styles_changed(self) -> None: ...

    def clicked(self, x: int, y: int, chain: int) -> None: ...


class GridBody(ScrollView, can_focus=False):
    """Line 0 is the header (it stays put); line y > 0 shows view position scroll_y + y - 1.

    The virtual height is rows + 1, so the last row can scroll up to the
    bottom line while the header covers the line above the first shown row.
    """

    DEFAULT_CSS = """
    GridBody {
        height: 1fr;
        scrollbar-size: 1 1;
        background: $surface;
    }
    """

    def __init__(self, grid: Surface, model: GridModel) -> None:
        super().__init__(id="grid-body")
        self._grid = grid
        self.model = model
        self.lines_painted = 0  # render_line calls, for tests and benchmarks

    @property
    def page_height(self) -> int:
        """Rows that fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def page_width(self) -> int:
        return self.scrollable_content_region.width

    def render_line(self, y: int) -> Strip:
        self.lines_painted += 1
        scroll_x, scroll_y = self.scroll_offset
        return self._grid.paint_line(y, scroll_x, scroll_y, self.size.width)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._grid.styles_changed()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self._grid.clicked(offset.x, offset.y, event.chain)

    # ----------------------------------------------------------- repainting

    def refresh_position(self, position: int) -> None:
        """Repaint the line of one view position, if it is on screen."""
        line = position + 1 - round(self.scroll_y)
        if 1 <= line <= self.page_height:
            self.refresh_line(position + 1)

    def refresh_spans(self, position: int, spans: list[tuple[int, int]]) -> None:
        """Repaint parts (x, width) of one position's line, if it is on screen.

        Only the dirty parts of a line are sent to the terminal, so a cursor
        move costs two cells rather than two lines.
        """
        line = position + 1 - round(self.scroll_y)
        if 1 <= line <= self.page_height:
            self.refresh(*(Region(x, line, width, 1) for x, width in spans if width > 0))

    def refresh_positions(self, top: int, bottom: int) -> None:
        """Repaint the lines of positions top..bottom that are on screen, as one region."""
        first = max(top, round(self.scroll_y))
        last = min(bottom, round(self.scroll_y) + self.page_height - 1)
        if first <= last:
            self.refresh_lines(first + 1, last - first + 1)

    def refresh_moved(self, old: tuple[int, int], block: Block | None) -> None:
        """Repaint what a cursor move from `old` changed: two cells and their row numbers,
        or the blocks selected before (`block`) and now."""
        m = self.model
        if block is None and m.anchor is None:
            gutter = (0, m.gutter())
            self.refresh_spans(old[0], [gutter, self.cell_span(old[1])])
            self.refresh_spans(m.pos, [gutter, self.cell_span(m.col)])
            return
        self.refresh_position(old[0])
        self.refresh_position(m.pos)
        for area in (block, m.selection):
            if area is not None:
                self.refresh_positions(area.top, area.bottom)

    # ----------------------------------------------------------- geometry

    def sync_size(self) -> None:
        """The virtual size from the rows in view and the column widths."""
        m = self.model
        m.count = m.table.visible_count if m.table is not None else 0
        self.virtual_size = Size(m.gutter() + m.columns.total, m.count + 1)

    def cell_span(self, index: int) -> tuple[int, int]:
        """Where a shown column is on screen now: x and width, clipped to the body."""
        columns = self.model.columns
        if not 0 <= index < len(columns.shown):
            return (0, 0)
        start, width = columns.span(index)
        gutter = self.model.gutter()
        left = max(gutter, gutter + start - round(self.scroll_x))
        right = min(self.page_width, gutter + start + width - round(self.scroll_x))
        return (left, right - left)

    def scroll_to_cursor(self) -> bool:
        """Scroll the least that shows the cursor cell; True when it scrolled."""
        m = self.model
        if not self.size or m.table is None:
            return False
        sx, sy = round(self.scroll_x), round(self.scroll_y)
        x, y = sx, sy
        height = self.page_height
        if m.pos < sy:
            y = m.pos
        elif m.pos >= sy + height:
            y = m.pos - height + 1
        if m.columns.shown:
            start, width = m.columns.span(m.col)
            room = max(1, self.page_width - m.gutter())
            if start < sx:
                x = start
            elif start + width > sx + room:
                x = min(start, start + width - room)
        if (x, y) == (sx, sy):
            return False
        self.scroll_to(x, y, animate=False, force=True)
        return (round(self.scroll_x), round(self.scroll_y)) != (sx, sy)

    def position_at(self, x: int, y: int) -> tuple[int, int] | None:
        """The view position and shown column at content offset (x, y), or None."""
        m = self.model
        if m.table is None or y == 0:
            return None
        position = round(self.scroll_y) + y - 1
        if position >= m.table.visible_count:
            return None
        gutter, index = m.gutter(), None
        if x >= gutter:
            index = m.columns.index_at(round(self.scroll_x) + x - gutter)
        return position, m.col if index is None else index
