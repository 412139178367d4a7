"""The grid at 1,000,000 rows does work in proportion to the screen, not the table; a snapshot."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import pytest

from tests.support.grid import GridApp, go_to, make_table
from tui.table import Table

ROWS = 1_000_000
PAGE = 20_000
STATUSES = ("active", "paused", "closed", "pending")


def million_rows() -> Table:
    """1,000,000 rows x 10 columns (the products columns plus two)."""
    table = make_table(0)
    for start in range(0, ROWS, PAGE):
        table.append_page(
            [
                {
                    "id": i,
                    "name": f"Item {i}",
                    "price": i % 1000,
                    "status": STATUSES[i % 4],
                    "active": i % 2 == 0,
                    "since": "2024-01-02",
                    "sku": f"S{i}",
                    "note": None,
                    "city": "Oslo",
                    "qty": i % 7,
                }
                for i in range(start, start + PAGE)
            ]
        )
    return table


class Calls:
    """Counts calls of methods replaced on an object."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts: dict[str, int] = {}
        self.monkeypatch = monkeypatch

    def watch(self, owner: object, name: str) -> None:
        method: Callable[..., object] = getattr(owner, name)
        self.counts[name] = 0

        @wraps(method)
        def counted(*args: object, **kwargs: object) -> object:
            self.counts[name] += 1
            return method(*args, **kwargs)

        self.monkeypatch.setattr(owner, name, counted)

    def reset(self) -> None:
        self.counts = dict.fromkeys(self.counts, 0)


# Everything in the Table and its view that touches every row (or a whole column).
WHOLE_TABLE = ("loaded_rows",)
WHOLE_VIEW = ("_natural_ids", "prepare_view", "_matches", "_current_values")


@pytest.mark.slow
async def test_a_million_rows_cost_a_screen_per_move_and_per_edit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = million_rows()
    calls = Calls(monkeypatch)
    for name in WHOLE_TABLE:
        calls.watch(table, name)
    for name in WHOLE_VIEW:
        calls.watch(table, name)
    calls.watch(table._store, "column_values")
    calls.watch(table, "text")
    app = GridApp(table)
    async with app.run_test(size=(160, 50)) as pilot:
        body = app.grid._body
        page = body.page_height
        await go_to(pilot, "name", 500_000)  # the cursor on the bottom line
        await go_to(pilot, "name", 500_000 - 20)  # and now mid-screen: no scroll on "down"
        calls.reset()

        body.lines_painted = 0
        await pilot.press("down")
        await pilot.pause()
        assert app.grid.cursor_row == 499_981
        assert body.lines_painted <= 2  # the old and the new cursor line
        assert calls.counts["text"] <= 2 * 10 + 1  # their cells, and the status text

        body.lines_painted = 0
        await pilot.press("enter", *"renamed", "enter")
        await pilot.pause()
        assert table.value(499_981, "name") == "renamed"
        assert body.lines_painted <= 2 + len("renamed")  # the edited line, once per key

        body.lines_painted = 0
        await pilot.press("G")
        await pilot.pause()
        assert app.grid.cursor_row == ROWS - 1
        assert body.lines_painted <= page + 1  # a scroll repaints one screen

        body.lines_painted = 0
        await pilot.press("a")
        await pilot.pause()
        assert table.row_count == ROWS + 1 and app.grid.cursor_row == -1
        assert body.lines_painted <= page + 1
        assert calls.counts["text"] <= 3 * (page + 1) * 10
        whole = (*WHOLE_TABLE, *WHOLE_VIEW, "column_values")
        assert {name: calls.counts[name] for name in whole} == dict.fromkeys(whole, 0)


def test_snapshot_of_changed_new_deleted_and_invalid_cells(snap_compare: Callable) -> None:
    table = make_table(12)  # all rows and the new one fit on the screen
    table.edit(1, "name", "Renamed")
    table.edit(2, "price", -5)  # below the minimum: invalid
    table.edit_text(3, "price", "lots")  # not a number: invalid
    table.delete_rows([4])
    table.edit(6, "active", True)
    new = table.add_row({"id": 1000, "name": "Brand new", "status": "paused"})
    table.edit(new, "price", 12)

    async def run_before(pilot) -> None:  # noqa: ANN001 - a Pilot
        await go_to(pilot, "status", 5)
        await pilot.press("shift+down", "shift+right")

    assert snap_compare(GridApp(table), terminal_size=(100, 20), run_before=run_before)


async def test_marks_show_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    """With NO_COLOR each mark still has a text style: bold, italic, strike, underline, reverse."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = GridApp(make_table(5))
    async with app.run_test(size=(60, 10)):
        style = app.grid._painter.style
        assert app.no_color and app.grid.has_pseudo_class("nocolor")
        assert style("grid--changed").bold and style("grid--new").italic
        assert style("grid--deleted").strike and style("grid--invalid").underline
        assert style("grid--cursor").reverse and style("grid--selection").reverse
