"""Sorting, filtering and searching a big table in a thread, and filling down in slices,
so the screen never waits.

Meanwhile the grid stays browsable, a line under it says what is being done and
for how long, esc calls it off, and edits wait; the result replaces the view at
once.  Small tables are done on the spot: under IN_THREAD rows it takes less
time than a frame.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any, TypeVar

from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from tui.table import EditRefused, Table
from tui.table.order import Cancelled, Tick, no_tick

IN_THREAD = 20_000  # rows from which a view is computed off the UI thread
T = TypeVar("T")


class BusyLine(Widget):
    """ "sorting 1,000,000 rows by qty… 1.2 s  (esc cancels)" over the last row."""

    DEFAULT_CSS = """
    BusyLine {
        layer: overlay;  /* over the last row: showing it moves nothing, repaints nothing */
        dock: bottom;
        height: 1;
        visibility: hidden;  /* not display: none, whose change lays the screen out */
        background: $panel;
        color: $text-accent;
    }
    """

    def __init__(self) -> None:
        super().__init__(id="grid-busy")
        self.text = ""

    def say(self, text: str) -> None:
        # a repaint of this line alone: Static.update would lay the screen out again
        self.text = text
        self.refresh()

    def render(self) -> Content:
        return Content(self.text)


class ViewJobs:
    """At most one view computation at a time for a grid; a new one replaces the old."""

    def __init__(
        self,
        grid: Widget,
        table: Callable[[], Table | None],
        refuse: Callable[[str], None],
    ) -> None:
        self.grid = grid  # runs the workers and timers, says what failed
        self.table = table  # the table shown now
        self.refuse = refuse  # a change made in slices was refused half way: say why
        self.line = BusyLine()
        self._worker: Worker[None] | None = None
        self._what = ""
        self._started = 0.0
        self._timer: Timer | None = None
        self._done = self._total = 0  # cells of a change made in slices

    @property
    def running(self) -> bool:
        return self._worker is not None

    def run(self, what: str, compute: Callable[[Tick], T], done: Callable[[T], Any]) -> bool:
        """Compute, then `done(result)` on the UI thread; True when done already (a small
        table), False when it goes on in a thread."""
        table = self.table()
        if table is None or table.row_count < IN_THREAD:
            done(compute(no_tick))
            return True
        self.cancel()  # the one under way gives way, and says so
        self._what, self._started = what, time.monotonic()
        self._show()
        grid = self.grid

        def work() -> None:
            worker = get_current_worker()

            def tick() -> None:
                if worker.is_cancelled:
                    raise Cancelled

            try:
                result = compute(tick)
            except Cancelled:
                return
            except Exception as exc:  # noqa: BLE001 - said on screen, never lost in a thread
                grid.app.call_from_thread(self._failed, worker, what, exc)
                return
            grid.app.call_from_thread(self._finish, worker, table, done, result)

        self._worker = grid.run_worker(
            work, thread=True, group="grid-view", exclusive=True, exit_on_error=False
        )
        return False

    def run_steps(
        self, what: str, steps: Iterator[int], total: int, done: Callable[[], Any]
    ) -> bool:
        """Drive a change made in slices (each yields the cells done) on the UI thread,
        letting the screen run between slices; `done()` at the end.  A change is not
        made in a thread: the screen reads the table as it draws."""
        if total < IN_THREAD:
            for _ in steps:
                pass
            done()
            return True
        self.cancel()  # the one under way gives way, and says so
        self._what, self._started, self._total = what, time.monotonic(), total
        self._show()

        async def work() -> None:
            # A million edits make a million objects: the collector walking them all
            # would stall the screen mid-way.  They live as long as the change set, so
            # they are handed to the permanent generation when done.
            gc.disable()
            try:
                for count in steps:
                    self._done = count
                    await asyncio.sleep(0)  # the screen's turn
            except EditRefused as refused:
                self._stop()
                self.refuse(str(refused))
                return
            finally:
                if isinstance(steps, Generator):
                    steps.close()  # called off: the change is taken back
                gc.freeze()
                gc.enable()
            self._stop()
            done()

        self._worker = self.grid.run_worker(
            work(), group="grid-view", exclusive=True, exit_on_error=False
        )
        return False

    def cancel(self, *, quiet: bool = False) -> bool:
        """Call off the computation under way; True when there was one."""
        worker = self._worker
        if worker is None:
            return False
        worker.cancel()
        self._stop()
        if not quiet:
            self.grid.notify(f"{self._what}: cancelled", timeout=2)
        return True

    def _finish(
        self, worker: Worker[None], table: object, done: Callable[[T], Any], result: T
    ) -> None:
        if worker is not self._worker:
            return  # called off, or replaced by a newer one
        self._stop()
        if self.table() is table:
            done(result)

    def _failed(self, worker: Worker[None], what: str, exc: Exception) -> None:
        if worker is self._worker:
            self._stop()
            self.grid.notify(f"{what}: {exc}", severity="error", timeout=6)

    def _show(self) -> None:
        self._tick_line()
        self.line.visible = True
        if self._timer is None:
            self._timer = self.grid.set_interval(0.1, self._tick_line)

    def _tick_line(self) -> None:
        seconds = time.monotonic() - self._started
        share = f" {self._done / self._total:.0%}," if self._total else ""
        self.line.say(f" {self._what}…{share} {seconds:.1f} s  (esc cancels)")

    def _stop(self) -> None:
        self._worker = None
        self._done = self._total = 0
        self.line.visible = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
