"""The scrolling surface of the grid: a Line API widget that paints only the lines in view."""

from __future__ import annotations

from typing import Protocol

from textual import events
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip


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

    def __init__(self, grid: Surface) -> None:
        super().__init__(id="grid-body")
        self._grid = grid
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

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self._grid.clicked(offset.x, offset.y, event.chain)
