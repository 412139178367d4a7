"""WritebackScreen: a writeback running, row by row, then its summary.

The write runs in a worker that nothing cancels: a request in flight cannot be
called back, so escape only says so and the screen waits for the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, ProgressBar, RichLog
from textual.worker import Worker, WorkerState

from tui.app.keys import bind
from tui.app.screens.conflicts import key_words
from tui.rest.errors import RestError
from tui.state import Refused, StateError
from tui.writeback.results import RowResult

if TYPE_CHECKING:
    from tui.workspace import Workspace, WritebackReport
    from tui.workspace.writing import Sending

# Rows written fine are listed up to this many; rows that need attention always are.
MAX_DONE_LISTED = 1000
_STYLES = {"failed": "bold red", "conflict": "bold yellow", "unknown": "bold magenta"}
_RUNNING = "Writing {n}. Escape does not stop it: requests already sent will finish."


@dataclass
class ResultArrived(Message):
    result: RowResult


@dataclass
class LockAwaited(Message):
    """Another writeback holds the destination's lock; this one waits for it."""

    holder: str  # "locked by bob@host since 10:32"
    seconds_left: float


class WritebackScreen(ModalScreen["WritebackReport | None"]):
    """Dismisses the report once the user has read it, or None when nothing was written."""

    DEFAULT_CSS = """
    WritebackScreen { align: center middle; }
    WritebackScreen > #dialog {
        width: 100%; max-width: 120; height: 1fr; max-height: 40;
        border: round $primary; border-title-style: bold; background: $surface; padding: 0 1;
    }
    WritebackScreen ProgressBar { margin: 1 0; }
    WritebackScreen #status { color: $text-muted; }
    WritebackScreen #status.-error { color: $error; text-style: bold; }
    WritebackScreen #results { height: 1fr; background: $boost; overflow: auto; }
    WritebackScreen #summary { text-style: bold; margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        bind("writeback.close", "enter", "close", "Close"),
        bind("writeback.cancel", "escape", "close", "Close", show=False),
    ]

    def __init__(
        self, ws: Workspace, sent: Sending, overwrite: Iterable[int] = frozenset()
    ) -> None:
        """Write `sent` (the rows its preview showed), overwriting the rows `overwrite`."""
        super().__init__()
        self.ws = ws
        self.sent = sent
        self.overwrite = set(overwrite)
        self.report: WritebackReport | None = None
        self.finished = False
        self.results: list[RowResult] = []
        self._done_listed = 0
        self._done_unlisted = 0
        self.waited = False  # another writeback's lock was waited for
        self._running_words = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"Writing back to {self.ws.dest.id}"
            yield ProgressBar(show_eta=False, id="bar")
            yield Label("", id="status")
            yield RichLog(id="results", wrap=True, markup=False, auto_scroll=True)
            yield Label("", id="summary")
        yield Footer()

    def on_mount(self) -> None:
        total = self.sent.total
        self.query_one(ProgressBar).update(total=total)
        self._running_words = _RUNNING.format(n=f"{total:,} row{'' if total == 1 else 's'}")
        self._status(self._running_words)
        self.run_worker(self._write(), name="writeback", group="writeback", exit_on_error=False)

    async def _write(self) -> WritebackReport:
        return await self.ws.write_back(
            overwrite=self.overwrite, on_result=self._arrived, on_wait=self._waiting, sent=self.sent
        )

    def _waiting(self, holder: str, seconds_left: float) -> None:
        self.post_message(LockAwaited(holder, seconds_left))

    def _arrived(self, result: RowResult) -> None:
        # Called inside write_back; the widgets are updated from the message queue.
        self.post_message(ResultArrived(result))

    def on_lock_awaited(self, message: LockAwaited) -> None:
        if self.results or self.finished:
            return  # a late message: the lock was had meanwhile
        self.waited = True
        self._status(
            f"Waiting for the lock: {message.holder}; "
            f"{max(message.seconds_left, 0):.0f} s left before giving up."
        )

    # ----------------------------------------------------------- as rows finish

    def on_result_arrived(self, message: ResultArrived) -> None:
        result = message.result
        if self.waited and not self.results:
            self._status(self._running_words)
        self.results.append(result)
        self.query_one(ProgressBar).advance(1)
        log = self.query_one("#results", RichLog)
        if result.status == "done" and self._done_listed >= MAX_DONE_LISTED:
            self._done_unlisted += 1
            return
        if result.status == "done":
            self._done_listed += 1
        self._log_line(log, self._line(result))

    @staticmethod
    def _log_line(log: RichLog, line: Text) -> None:
        # Wrapped at the log's own width: RichLog measures against the app console otherwise.
        width = log.scrollable_content_region.width
        log.write(line, width=width if width > 20 else None)

    def _line(self, result: RowResult) -> Text:
        row = result.row_id
        fallback = "new row" if row < 0 else f"row {row}"
        key = key_words(result.assigned, "") or key_words(self._key(row), fallback)
        status = f"{result.status} {result.http_status or ''}".strip()
        line = Text(f"{result.op:<7} {key:<16} {status:<13} {result.message}".rstrip())
        style = _STYLES.get(result.status)
        if style:
            line.stylize(style)
        elif result.status == "skipped":
            line.stylize("dim")
        return line

    def _key(self, row: int) -> dict[str, object]:
        try:
            key = self.ws.table.key_of(row)
        except (KeyError, IndexError):
            return {}
        # A new row whose key the server assigns has none yet.
        return key if any(v is not None for v in key.values()) else {}

    # ----------------------------------------------------------- the end

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "writeback":
            return
        report = event.worker.result
        if event.state == WorkerState.SUCCESS and report is not None:
            self._finish(report)
        elif event.state == WorkerState.ERROR:
            self._fail(event.worker.error)
        elif event.state == WorkerState.CANCELLED:
            self._fail(None)

    def _finish(self, report: WritebackReport) -> None:
        self.report = report
        self.finished = True
        bar = self.query_one(ProgressBar)
        bar.update(total=max(report.total, 1), progress=max(report.total, 1))
        log = self.query_one("#results", RichLog)
        if self._done_unlisted:
            self._log_line(
                log, Text(f"... and {self._done_unlisted:,} more rows done", style="dim")
            )
        attention = [r for r in self.results if r.status in _STYLES]
        first = next((i for i, r in enumerate(self.results) if r.status in _STYLES), None)
        if first is not None and first < len(self.results) - 10:
            # Repeated at the end: rows done after them scrolled them out of sight.
            self._log_line(
                log, Text(f"--- rows that need attention: {len(attention):,}", style="bold")
            )
            for result in attention[:MAX_DONE_LISTED]:
                self._log_line(log, self._line(result))
        lines = [report.summary or "nothing to write"]
        if report.conflicts:
            n = len(report.conflicts)
            lines.append(f"{n} conflict{'' if n == 1 else 's'}: you choose what wins next")
        if report.after:
            lines.append(report.after)
        self.query_one("#summary", Label).update("\n".join(lines))
        self._status("Done. Press enter to close.")

    def _fail(self, error: BaseException | None) -> None:
        self.finished = True
        if isinstance(error, Refused | RestError | StateError):
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        elif error is None:
            reason = "the writeback was cancelled"
        else:
            reason = f"the writeback failed: {type(error).__name__}: {error}"
        written = sum(1 for r in self.results if r.status == "done")
        if written:
            reason += f" ({written:,} rows were written before that)"
        self._status(f"{reason}. Press enter to close.", error=True)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Label)
        status.update(text)
        status.set_class(error, "-error")

    def action_close(self) -> None:
        if not self.finished:
            self.app.bell()
            self._status("Writing; it will finish. Requests in flight cannot be called back.")
            return
        self.dismiss(self.report)
