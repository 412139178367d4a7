"""The grid's look: its component classes and CSS, and drawing one line of it (the header
or one row, only the columns in view)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tui.app.grid.cells import (
    fit,
    is_numeric,
    label,
    one_line,
    read_only_column,
    sort_arrow,
    visible_chars,
    width_of,
)
from tui.app.grid.inplace import CellEdit
from tui.app.grid.layout import GAP, ColumnLayout
from tui.app.grid.model import Block
from tui.table import RowState, Table

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
GRID_CSS = """
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

STATE_CLASS = {
    RowState.CHANGED: "grid--changed",
    RowState.NEW: "grid--new",
    RowState.DELETED: "grid--deleted",
    RowState.INVALID: "grid--invalid",
}
# One character in the gutter says what happened to the row, with or without colour.
ROW_MARK = {
    RowState.CLEAN: " ",
    RowState.CHANGED: "~",
    RowState.NEW: "+",
    RowState.DELETED: "-",
    RowState.INVALID: "!",
}


class Viewport(NamedTuple):
    """What part of the virtual line is on screen."""

    scroll_x: int
    width: int  # cells of the whole line, gutter included
    gutter: int  # cells of row numbers and marks, which do not scroll


class Painter:
    """Builds Strips from the table and the component styles of the grid."""

    def __init__(self, component: Callable[[str], Style]) -> None:
        self._component = component
        self._styles: dict[tuple[str, ...], Style] = {}
        self._numeric: dict[str, bool] = {}
        self.base = Style()

    def reset(self, base: Style) -> None:
        """Forget cached styles (the CSS or the theme changed)."""
        self.base = base
        self._styles.clear()

    def forget_types(self) -> None:
        self._numeric.clear()

    def style(self, *names: str) -> Style:
        style = self._styles.get(names)
        if style is None:
            style = self.base
            for name in names:
                style += self._component(name)
            self._styles[names] = style
        return style

    def header(self, table: Table, layout: ColumnLayout, view: Viewport) -> Strip:
        """The column names, with the gutter kept in place."""
        header = self.style("grid--header")
        first, last = _columns_in_view(layout, view)
        cells: list[Segment] = []
        for index in range(first, last):
            column = layout.shown[index]
            dim = read_only_column(table, column)
            style = self.style("grid--header", "grid--readonly") if dim else header
            cells.append(Segment(fit(label(table, column), layout.widths[column]), style))
            # The sort arrow sits in the gap after the name, so it never crops the name.
            cells.append(Segment((sort_arrow(table, column) or " ").ljust(GAP), header))
        head = [Segment(" " * view.gutter, header)] if view.gutter else []
        return self._assemble(head, cells, layout, first, view, header)

    def row(
        self,
        table: Table,
        layout: ColumnLayout,
        position: int,
        view: Viewport,
        cursor: tuple[int, int],
        block: Block | None,
        edit: CellEdit | None,
    ) -> Strip:
        """One row of cells at a view position, with the cell editor over it when it is open."""
        row = table.row_at(position)
        first, last = _columns_in_view(layout, view)
        # the selected columns of this row; none (0, -1) when the row is not in the block
        left, right = (block.left, block.right) if block and block.has_row(position) else (0, -1)
        cursor_col = cursor[1] if cursor[0] == position else -1
        cells: list[Segment] = []
        text, cell_state, widths = table.text, table.cell_state, layout.widths
        for index in range(first, last):
            column = layout.shown[index]
            names: tuple[str, ...] = ()
            state_class = STATE_CLASS.get(cell_state(row, column))
            if state_class:
                names = (state_class,)
            selected = left <= index <= right
            if index == cursor_col:
                names += ("grid--cursor",)
            elif selected:
                names += ("grid--selection",)
            shown = fit(one_line(text(row, column)), widths[column], self._right(table, column))
            cells.append(Segment(shown, self.style(*names)))
            gap_selected = selected and index < right
            gap_names = ("grid--selection",) if gap_selected else names[:1]
            if gap_names and gap_names[0] == "grid--invalid":
                gap_names = ()  # an invalid mark stays on its cell
            cells.append(Segment(" " * GAP, self.style(*gap_names)))
        head = self._gutter(table, row, position, view.gutter, cursor[0] == position)
        line = self._assemble(head, cells, layout, first, view, self.base)
        if edit is not None and edit.row == row and edit.column in layout.shown:
            start = layout.starts[layout.shown.index(edit.column)]
            line = self._edit_box(line, edit, view.gutter + start - view.scroll_x, view).simplify()
        return line

    def blank(self, width: int) -> Strip:
        return Strip.blank(width, self.base)

    def _gutter(
        self, table: Table, row: int, position: int, gutter: int, cursor: bool
    ) -> list[Segment]:
        if not gutter:
            return []
        mark = ROW_MARK[table.state(row)]
        number = str(position + 1).rjust(gutter - 2)
        style = self.style("grid--gutter-cursor" if cursor else "grid--gutter")
        return [Segment(f"{number}{mark} ", style)]

    def _assemble(
        self,
        head: list[Segment],
        cells: list[Segment],
        layout: ColumnLayout,
        first: int,
        view: Viewport,
        fill: Style,
    ) -> Strip:
        """The gutter and the cells cut to the view, as one Strip (few objects: this is hot)."""
        skip = max(view.scroll_x - layout.starts[first], 0) if first < len(layout.starts) else 0
        segments = _merged(head + _cut(cells, skip, view.width - view.gutter))
        used = sum(width_of(text) for text, _, _ in segments)
        if used < view.width:
            segments.append(Segment(" " * (view.width - used), fill))
        return Strip(segments, view.width)

    def _edit_box(self, line: Strip, edit: CellEdit, x: int, view: Viewport) -> Strip:
        """The edit text over the line from ``x``: the caret reversed, kept inside the screen."""
        box = min(edit.width, view.width - view.gutter)
        x = max(view.gutter, min(x, view.width - box))
        style, caret_style = self.style("grid--editor"), self.style("grid--editor-caret")
        shown, caret = edit.buffer.window(box)
        shown = visible_chars(shown)  # a pasted tab is one cell, as the buffer counts it
        if not shown and edit.placeholder:
            parts = [
                Segment(" ", caret_style),
                Segment(edit.placeholder, self.style("grid--gutter")),
            ]
        elif edit.buffer.all_selected:  # typing replaces it: show it selected
            parts = [Segment(shown, self.style("grid--editor", "grid--selection"))]
            parts.append(Segment(" ", caret_style))
        else:
            at = shown[caret : caret + 1] or " "
            parts = [
                Segment(shown[:caret], style),
                Segment(at, caret_style),
                Segment(shown[caret + 1 :], style),
            ]
        text = Strip(parts).extend_cell_length(box, style).crop(0, box)
        return Strip.join([line.crop(0, x), text, line.crop(x + box, view.width)])

    def _right(self, table: Table, column: str) -> bool:
        right = self._numeric.get(column)
        if right is None:
            right = self._numeric[column] = is_numeric(table, column)
        return right


def _columns_in_view(layout: ColumnLayout, view: Viewport) -> tuple[int, int]:
    """Shown column indexes [first, last) that appear in the view."""
    first = layout.first_at(view.scroll_x)
    last = first
    end = view.scroll_x + view.width - view.gutter
    while last < len(layout.shown) and layout.starts[last] < end:
        last += 1
    return first, last


def _cut(cells: list[Segment], skip: int, room: int) -> list[Segment]:
    """The cells from ``skip`` cells in, at most ``room`` cells of them."""
    out: list[Segment] = []
    for segment in cells:
        size = width_of(segment.text)
        if skip >= size:
            skip -= size
            continue
        if skip:
            segment = segment.split_cells(skip)[1]
            size -= skip
            skip = 0
        if size > room:
            segment = segment.split_cells(room)[0]
            size = room
        out.append(segment)
        room -= size
        if room <= 0:
            break
    return out


def _merged(segments: list[Segment]) -> list[Segment]:
    """Neighbours of the same style as one segment: one escape sequence per run on the wire."""
    out: list[Segment] = []
    for segment in segments:
        if out and out[-1].style is segment.style:
            out[-1] = Segment(out[-1].text + segment.text, segment.style)
        else:
            out.append(segment)
    return out
