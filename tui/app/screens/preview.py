"""PreviewScreen: what a writeback would send, before anything is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Log, Static

from tui.app.keys import bind

if TYPE_CHECKING:
    from tui.workspace import Preview

# Past this many requests the list is cut short; `writeback push --dry-run` shows all.
MAX_SHOWN = 500


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class PreviewScreen(ModalScreen[bool]):
    """Dismisses True when the user chose to write now, False to go back."""

    DEFAULT_CSS = """
    PreviewScreen { align: center middle; }
    PreviewScreen > #dialog {
        width: 100%; max-width: 120; height: 1fr; max-height: 48;
        border: round $primary; border-title-style: bold; background: $surface; padding: 0 1;
    }
    PreviewScreen #words { text-style: bold; }
    PreviewScreen #counts { color: $text-muted; }
    PreviewScreen #problems {
        color: $error; border: round $error; height: auto; max-height: 10; padding: 0 1;
    }
    PreviewScreen #held { color: $warning; }
    PreviewScreen #view { color: $text-muted; margin-top: 1; }
    PreviewScreen #requests { height: 1fr; background: $boost; overflow: auto; }
    """
    BINDINGS: ClassVar = [
        bind("preview.write", "enter,w", "write", "Write now"),
        bind("preview.curl", "c", "toggle_curl", "curl view"),
        bind("preview.copy", "y", "copy_curl", "copy curl"),
        bind("preview.cancel", "escape", "cancel", "Cancel"),
    ]

    def __init__(self, preview: Preview) -> None:
        super().__init__()
        self.preview = preview
        self.curl_view = False

    @property
    def can_write(self) -> bool:
        return not self.preview.problems and self.preview.rows > 0

    def compose(self) -> ComposeResult:
        p = self.preview
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Write back"
            yield Label(p.words, id="words")
            yield Label(
                f"{_plural(p.rows, 'row')} in {_plural(len(p.requests), 'request')}",
                id="counts",
            )
            if p.problems:
                yield Static(self._problems_text(), id="problems", markup=False)
            if p.held:
                yield Static(
                    f"{_plural(p.held, 'row')} with an unknown outcome held back: "
                    "check on the server, then release in the grid",
                    id="held",
                )
            yield Label("", id="view")
            yield Log(id="requests", auto_scroll=False)
        yield Footer()

    def _problems_text(self) -> str:
        problems = self.preview.problems
        lines = [f"Nothing can be written until {_plural(len(problems), 'problem')} are fixed:"]
        lines += [f"  {line}" for line in problems[:50]]
        if len(problems) > 50:
            lines.append(f"  ... and {len(problems) - 50:,} more")
        return "\n".join(lines)

    def on_mount(self) -> None:
        self._show_requests()
        self.query_one("#requests", Log).focus()

    def _show_requests(self) -> None:
        items = self.preview.curls if self.curl_view else self.preview.texts
        log = self.query_one("#requests", Log)
        log.clear()
        for number, text in enumerate(items[:MAX_SHOWN], start=1):
            if not self.curl_view:
                log.write_line(f"--- request {number} of {len(items)}")
            log.write_lines(text.splitlines() or [""])
            if not self.curl_view:
                log.write_line("")
        if len(items) > MAX_SHOWN:
            log.write_line(
                f"... {len(items) - MAX_SHOWN:,} more not shown "
                "(writeback push --dry-run lists them all)"
            )
        log.scroll_home(animate=False)
        which = "curl commands" if self.curl_view else "requests (secrets masked)"
        other = "requests" if self.curl_view else "curl"
        self.query_one("#view", Label).update(f"{which}: c shows {other}, y copies the curl")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "write" and not self.can_write:
            return None  # shown, greyed out: the reason is on screen
        return True

    def action_write(self) -> None:
        if self.can_write:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_toggle_curl(self) -> None:
        self.curl_view = not self.curl_view
        self._show_requests()

    def action_copy_curl(self) -> None:
        curls = self.preview.curls
        if not curls:
            self.notify("nothing to copy", severity="warning")
            return
        self.app.copy_to_clipboard("\n".join(curls) + "\n")
        self.notify(f"copied {_plural(len(curls), 'curl command')} to the clipboard")
