"""Loading a destination's rows in a worker: progress in pages and rows, rows shown as
pages arrive, cancellable with esc.  A load that did not finish leaves the grid
read-only, so a partial table is never written back as if it were whole; the pending
changes stay counted and marked throughout (the table carries those of rows not loaded)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual.widgets import Static
from textual.worker import Worker

from tui.workspace.answers import label, unavailable_message

if TYPE_CHECKING:
    from tui.app.ui import RunWorker
    from tui.rest.load import Page
    from tui.workspace.workbench import Workbench
    from tui.workspace.workspace import Workspace
    from tui.workspace.writeflow import Notify

# asks for one secret (label, why): what was typed, or None when the user gave up
AskSecret = Callable[[str, str], Awaitable[str | None]]


class LoadBar(Static):
    """One line above the grid while loading, or when a load failed or was cancelled,
    or when the grid is read-only (and why)."""

    _shown: tuple[str, bool] | None = None

    def show_text(self, text: str, *, error: bool = False) -> None:
        if (text, error) == self._shown:
            return  # asked twice a second: only a change repaints
        self._shown = (text, error)
        self.set_class(error, "-error")
        self.update(text)
        self.display = bool(text)


def progress_words(dest: str, page: Page) -> str:
    total = f" of {page.total:,}" if page.total else ""
    return f"loading {dest}: page {page.number}, {page.rows:,}{total} rows  (esc cancels)"


class Loader:
    """One load worker per destination: switching destinations lets a load go on."""

    def __init__(
        self,
        bench: Workbench,
        bar: LoadBar,
        *,
        run_worker: RunWorker,
        notify: Notify,
        ask_secret: AskSecret,
        on_rows: Callable[[Workspace], None],
        on_done: Callable[[Workspace], None],
    ) -> None:
        self.bench = bench
        self.bar = bar
        self.run_worker = run_worker
        self.notify = notify
        self.ask_secret = ask_secret
        self.on_rows = on_rows  # rows arrived: show them
        self.on_done = on_done  # every row is in
        self.workers: dict[str, Worker[None]] = {}
        self.texts: dict[str, tuple[str, bool]] = {}  # the bar's words per destination
        self.seconds: dict[str, float] = {}  # how long the last complete load took

    def loading(self, dest: str | None) -> bool:
        worker = self.workers.get(dest or "")
        return worker is not None and not worker.is_finished

    @property
    def busy(self) -> bool:
        """The open destination is loading."""
        return self.loading(self.bench.current)

    def start(self, ws: Workspace) -> None:
        dest = ws.dest.id
        self.workers[dest] = self.run_worker(
            self._run(ws), name=f"load {dest}", group=f"load {dest}", exclusive=True,
            exit_on_error=False,
        )  # fmt: skip

    def cancel(self) -> bool:
        """Cancel the open destination's load."""
        if not self.busy:
            return False
        self.workers[self.bench.current or ""].cancel()
        return True

    def show_progress(self, dest: str, notice: str = "") -> None:
        """The destination's load line, else `notice` (why the grid is read-only)."""
        text, error = self.texts.get(dest, ("", False))
        self.bar.show_text(text or notice, error=error)

    async def _run(self, ws: Workspace) -> None:
        bench = self.bench
        dest = ws.dest.id
        self._show(ws, f"loading {dest}…  (esc cancels)")
        problem = await self._ask_secrets(ws)
        if problem:
            self._failed(ws, problem)
            return
        started = time.monotonic()
        try:
            await ws.load(on_page=lambda page: self._page(ws, page))
        except asyncio.CancelledError:
            self._unfinished(ws, f"load cancelled after {ws.table.loaded_count:,} rows")
            raise
        except Exception as exc:  # every failure of a load is shown, never raised into the UI
            self._failed(ws, ws.redact(str(exc)))  # a RestError's str names the request
            return
        bench.loaded.add(dest)
        bench.unfinished.pop(dest, None)
        self._show(ws, "")
        self.seconds[dest] = time.monotonic() - started
        self.on_rows(ws)
        gone = ws.table.unplaced_words()
        if gone:
            self.notify(
                f"{len(gone):,} rows with pending changes are no longer on the server; "
                f"their changes are kept in the draft, not sent (first: {gone[0]})",
                title=dest, severity="warning", timeout=10,
            )  # fmt: skip
        self.on_done(ws)

    def _show(self, ws: Workspace, text: str, *, error: bool = False) -> None:
        self.texts[ws.dest.id] = (text, error)
        if ws.dest.id == self.bench.current:
            self.bar.show_text(text, error=error)

    def _page(self, ws: Workspace, page: Page) -> None:
        self._show(ws, progress_words(ws.dest.id, page))
        self.on_rows(ws)

    def _unfinished(self, ws: Workspace, words: str) -> None:
        bench = self.bench
        bench.unfinished[ws.dest.id] = f"{words}: press r to reload"
        self._show(ws, bench.unfinished[ws.dest.id], error=True)
        self.on_rows(ws)

    def _failed(self, ws: Workspace, message: str) -> None:
        bench = self.bench
        bench.unfinished[ws.dest.id] = f"load failed: {message}"
        self._show(ws, f"{ws.dest.id}: load failed: {message}  (r retries)", error=True)
        self.notify(f"{ws.dest.id}: {message}", title="load failed", severity="error")
        self.on_rows(ws)

    async def _ask_secrets(self, ws: Workspace) -> str | None:
        """Ask for the secrets no source holds; a one-line problem when one is not given."""
        bench = self.bench
        for ref in bench.missing_secrets(ws.integration, ws.dest):
            why = f"{ws.dest.id} on {ws.integration.id} needs it; it is kept in memory only."
            value = await self.ask_secret(label(ref), why)
            if not value:
                return unavailable_message(ref)
            bench.answers.give(ref, value)
        return None
