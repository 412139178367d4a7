"""Sort, filter and search of a big table in a thread: the grid stays browsable, says what it
does, esc calls it off, edits wait, and the result replaces the view at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

import pytest

from tests.support.grid import SIZE, GridApp, go_to, make_table, record
from tui.app.grid import viewjob
from tui.table import Table
from tui.table.order import Cancelled, Tick
from tui.table.view import Prepared, RowFilter

ROWS = viewjob.IN_THREAD + 5_000


class Held:
    """Holds a table's view computations until released: the real computation, made slow."""

    def __init__(self, table: Table, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.ended = threading.Event()
        self.error: BaseException | None = None
        real = table.prepare_view

        def held(sort: tuple[str, bool] | None, where: RowFilter | None, tick: Tick) -> Prepared:
            self.started.set()
            try:
                while not self.release.wait(0.01):
                    tick()  # the computation's own cancellation point
                return real(sort, where, tick)
            except BaseException as error:
                self.error = error
                raise
            finally:
                self.ended.set()

        monkeypatch.setattr(table, "prepare_view", held)


async def _until(pilot, done, seconds: float = 10.0) -> None:  # noqa: ANN001 - a Pilot
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        await pilot.pause(0.02)
    assert done()


@pytest.fixture(scope="module")
def big() -> Table:
    return make_table(ROWS)


async def test_a_big_sort_runs_beside_the_screen_then_replaces_the_view(
    big: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = big
    table.clear_view()
    held = Held(table, monkeypatch)
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "price", 0)
        await pilot.press("S")  # descending
        await _until(pilot, held.started.is_set)
        busy = app.query_one("#grid-busy")
        assert busy.visible and "sorting by price" in str(busy.render())
        await pilot.press("down", "down")  # still browsable, in the old order
        await pilot.pause()
        assert app.grid.cursor_row == 2 and table.sorted_by is None
        await pilot.press("enter", "9", "enter")  # an edit waits for the view
        await pilot.pause()
        assert app.refusals[-1].startswith("wait for the sort")
        held.release.set()
        await _until(pilot, lambda: table.sorted_by == ("price", True))
        assert not busy.visible
        assert table.row_at(0) == ROWS - 1  # the highest price first
        assert app.grid.cursor_row == 2  # the cursor stayed on its row


async def test_esc_calls_off_a_big_filter(big: Table, monkeypatch: pytest.MonkeyPatch) -> None:
    table = big
    table.clear_view()
    held = Held(table, monkeypatch)
    app = GridApp(table)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.grid.apply_filter("Item 7", "name")
        await _until(pilot, held.started.is_set)
        await pilot.press("escape")
        await pilot.pause()
        assert not app.query_one("#grid-busy").visible
        assert not table.filtered and table.visible_count == ROWS
        await _until(pilot, held.ended.is_set)  # the thread stopped at its next tick
        assert isinstance(held.error, Cancelled) and not held.release.is_set()
        assert any("cancelled" in n.message for n in app._notifications)


async def test_a_big_filter_and_search_come_back(big: Table) -> None:
    table = big
    table.clear_view()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        app.grid.apply_filter("Item 2000", "name")
        await _until(pilot, lambda: table.filtered)
        names = [table.value(r, "name") for r in table.visible_rows(0, 100)]
        assert names == ["Item 2000", *(f"Item 2000{i}" for i in range(10))]
        app.grid.apply_filter("", None)
        await _until(pilot, lambda: not table.filtered)
        await go_to(pilot, "name", 0)
        app.grid.find(f"SKU-{ROWS - 3:05d}")
        await _until(pilot, lambda: app.grid.cursor_row == ROWS - 3)


@pytest.mark.slow
async def test_pages_that_arrive_during_a_sort_join_the_view(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = make_table(ROWS)
    started, release = threading.Event(), threading.Event()
    real = table._current_values

    def held(*args: object) -> list[object]:  # after the rows to sort were counted
        started.set()
        release.wait(10)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(table, "_current_values", held)
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "id", 0)
        await pilot.press("S")
        await _until(pilot, started.is_set)
        table.append_page([record(i) for i in range(ROWS, ROWS + 10)])  # a page loads
        release.set()
        await _until(pilot, lambda: table.sorted_by == ("id", True))
        assert table.visible_count == ROWS + 10
        # the late page is shown, unsorted, at the end
        assert table.visible_rows(0, 2) == [ROWS - 1, ROWS - 2]
        assert table.visible_rows(ROWS, ROWS + 10) == list(range(ROWS, ROWS + 10))


@pytest.mark.slow
async def test_a_big_fill_down_goes_in_slices_and_esc_takes_it_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = make_table(100_000)
    real, release = table.filling_down, threading.Event()

    def held(rows: Sequence[int], columns: Sequence[str], every: int = 5000) -> Iterator[int]:
        """The real fill, held half-way until released (so esc meets it under way)."""
        inner = real(rows, columns, every)
        try:
            for count in inner:
                yield count
                while count > 200_000 and not release.is_set():
                    yield count
        finally:
            inner.close()

    monkeypatch.setattr(table, "filling_down", held)
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        grid = app.grid
        await go_to(pilot, "name", 0)
        grid.move_to(99_999, grid.shown_columns.index("active"))
        grid.model.anchor = (0, grid.shown_columns.index("name"))  # block: name..active, all rows
        before = [table.value(r, "price") for r in (1, 50_000, 99_999)]
        await pilot.press("ctrl+d")
        busy = app.query_one("#grid-busy")
        await _until(
            pilot, lambda: "filling down" in str(busy.render()) and "%" in str(busy.render())
        )
        await pilot.press("escape")
        await _until(pilot, lambda: not busy.visible)
        assert [table.value(r, "price") for r in (1, 50_000, 99_999)] == before
        assert not table.dirty and table.history.undo_label is None  # taken back, not undoable

        release.set()
        grid.move_to(99_999, grid.shown_columns.index("price"))
        grid.model.anchor = (0, grid.shown_columns.index("price"))
        await pilot.press("ctrl+d")
        await _until(pilot, lambda: app.edits[-1:] == ["fill down"], seconds=60)
        assert {table.value(r, "price") for r in range(0, 100_000, 997)} == {0}
        assert table.history.undo_label == "fill down"
        await pilot.press("u")  # one undo step takes all of it back
        await pilot.pause()
        assert table.value(99_999, "price") == 99_999 * 1.5


async def test_a_view_computed_before_a_change_is_computed_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rows changed while the sort ran (a writeback's results arriving): the stale order
    is not shown; the sort runs again and shows the change."""
    table = make_table(ROWS)
    held = Held(table, monkeypatch)
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "price", 0)
        await pilot.press("S")
        await _until(pilot, held.started.is_set)
        table.edit(5, "price", 10.0**9)  # not through the grid, which waits
        held.release.set()
        await _until(pilot, lambda: table.sorted_by == ("price", True))
        assert table.row_at(0) == 5
