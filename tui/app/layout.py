"""Which panes show: the sidebar from WIDE columns, the audit pane from TALL lines,
unless a key toggled them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from textual.geometry import Size
    from textual.widget import Widget

WIDE = 100  # columns from which the sidebar shows by default
TALL = 30  # lines from which the audit pane shows by default

Part = Literal["sidebar", "audit"]


class PaneLayout:
    def __init__(
        self,
        sidebar: Widget,
        audit: Widget,
        grid: Widget,
        size: Callable[[], Size],
        focused: Callable[[], Widget | None],
    ) -> None:
        self.parts: dict[Part, Widget] = {"sidebar": sidebar, "audit": audit}
        self.grid = grid  # takes the focus from a pane that hides
        self.size = size  # the terminal's
        self.focused = focused
        self.forced: dict[Part, bool] = {}  # shown or hidden by a key

    def shown(self, part: Part) -> bool:
        width, height = self.size()
        default = width >= WIDE if part == "sidebar" else height >= TALL
        return self.forced.get(part, default)

    def toggle(self, part: Part) -> None:
        self.forced[part] = not self.shown(part)
        self.apply()

    def apply(self) -> None:
        for part, widget in self.parts.items():
            widget.display = self.shown(part)
        focused = self.focused()
        hidden = [w for w in self.parts.values() if not w.display]
        if focused is not None and any(w is focused or w in focused.ancestors for w in hidden):
            self.grid.focus()
