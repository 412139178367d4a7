"""The grid widget: moving, editing in place, rows, undo, refusals (pilot tests).

The harness (tests/support/grid.py) mounts a Grid on a Table built in memory
from a typed destination.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.grid import SIZE, GridApp, go_to, make_table, record
from tui.table import RowState


@pytest.mark.slow
async def test_moving_with_arrows_and_vi_keys() -> None:
    app = GridApp(make_table())
    async with app.run_test(size=SIZE) as pilot:
        grid = app.grid
        assert (grid.cursor_row, grid.cursor_column) == (0, "id")
        await pilot.press("down", "j", "right", "l")
        assert (grid.cursor_row, grid.cursor_column) == (2, "price")
        await pilot.press("k", "h")
        assert (grid.cursor_row, grid.cursor_column) == (1, "name")
        await pilot.press("end")
        assert grid.cursor_column == "note"
        await pilot.press("home", "G")
        assert (grid.cursor_row, grid.cursor_column) == (299, "id")
        await pilot.press("g", "pagedown")
        assert grid.cursor_position == grid._body.page_height
        await pilot.press("pageup", "up")
        assert grid.cursor_position == 0
        await pilot.pause()
        assert (app.moves[-1].row, app.moves[-1].column) == (0, "id")


async def test_cursor_moved_carries_the_full_text_and_the_error() -> None:
    app = GridApp(make_table())
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "note", 5)
        assert app.moves[-1].text == "a long note " * 10  # wider than the column
        assert app.grid.column_width("note") < len(app.moves[-1].text)
        await go_to(pilot, "price", 3)
        await pilot.press("enter", *"-2", "enter")
        await pilot.pause()
        assert app.moves[-1].text == "-2 — must be at least 0"


async def test_editing_text_in_place() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "name", 2)
        await pilot.press("enter")
        assert app.grid.editing
        await pilot.press(*"Widget", "enter")
        await pilot.pause()
        assert not app.grid.editing
        assert table.value(2, "name") == "Widget"
        assert table.cell_state(2, "name") is RowState.CHANGED
        assert app.edits == ["edit name"]
        assert app.focused is app.grid


@pytest.mark.slow
async def test_escape_closes_the_editor_without_a_change() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "name", 1)
        await pilot.press("enter", *"zzz", "escape")
        await pilot.pause()
        assert not app.grid.editing
        assert table.value(1, "name") == "Item 1"
        assert app.edits == [] and not table.dirty


@pytest.mark.slow
async def test_an_invalid_number_is_marked() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "price", 4)
        await pilot.press("enter", *"abc", "enter")
        await pilot.pause()
        assert table.cell_state(4, "price") is RowState.INVALID
        assert table.cell_error(4, "price") == "must be a number"
        assert app.moves[-1].text == "abc — must be a number"
        line = app.grid._body.render_line(1 + 4)
        invalid = app.grid._painter.style("grid--invalid", "grid--cursor")
        assert any(seg.style == invalid for seg in line if "abc" in seg.text)
        await pilot.press("enter", *"12.5", "enter")
        await pilot.pause()
        assert table.value(4, "price") == 12.5
        assert table.cell_state(4, "price") is RowState.CHANGED


async def test_a_boolean_toggles_without_an_editor() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "active", 0)
        await pilot.press("enter")
        await pilot.pause()
        assert not app.grid.editing
        assert table.value(0, "active") is False
        await pilot.press("space")
        await pilot.pause()
        assert table.value(0, "active") is True
        assert not table.dirty  # back to the loaded value
        assert app.edits == ["edit active", "edit active"]


async def test_a_choice_is_picked_from_a_list() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "status", 0)  # "active"
        await pilot.press("enter")
        await pilot.pause()
        choices = app.query_one("#grid-choices")
        assert choices.display and app.focused is choices
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert table.value(0, "status") == "closed"
        assert not choices.display and app.edits == ["edit status"]


@pytest.mark.slow
async def test_a_date_is_parsed_by_the_column_type() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "since", 3)
        await pilot.press("enter", "ctrl+u")
        assert app.grid.cell_edit is not None and app.grid.cell_edit.placeholder == "YYYY-MM-DD"
        assert "YYYY-MM-DD" in app.grid._body.render_line(1 + 3).text
        await pilot.press(*"2025-02-03", "enter")
        await pilot.pause()
        assert table.value(3, "since") == dt.date(2025, 2, 3)
        await pilot.press("enter", *"31/12/2025", "enter")
        await pilot.pause()
        assert table.cell_error(3, "since") == "must be a date (YYYY-MM-DD)"


async def test_key_and_read_only_columns_are_refused() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "id", 0)
        await pilot.press("enter")
        await go_to(pilot, "sku", 0)
        await pilot.press("enter")
        await pilot.pause()
        assert app.refusals == [
            "id is a key column; keys of loaded rows cannot change",
            "sku is read-only",
        ]
        assert not app.grid.editing and not table.dirty and app.edits == []


@pytest.mark.slow
async def test_adding_a_row_puts_the_cursor_on_it() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        grid = app.grid
        assert table.row_count == 301 and grid.cursor_row is not None and grid.cursor_row < 0
        assert grid.cursor_position == 300 and grid.cursor_column == "id"
        assert app.edits == ["add row"]
        assert app.moves[-1].text == " — required"  # a new row needs its key
        await pilot.press("enter", *"1000", "enter", "right", "enter", *"New", "enter")
        await pilot.pause()
        assert table.record(grid.cursor_row)["name"] == "New"
        assert table.state(grid.cursor_row) is RowState.NEW
        assert (
            "+"
            in grid._body.render_line(grid.cursor_position + 1 - grid._body.scroll_offset.y).text
        )


@pytest.mark.slow
async def test_delete_strikes_a_row_and_d_again_undeletes() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "d")
        await pilot.pause()
        assert table.state(1) is RowState.DELETED
        line = app.grid._body.render_line(2)
        assert line.text.startswith("  2- ")
        assert any(seg.style.strike for seg in line if "Item 1" in seg.text)
        await pilot.press("d")
        await pilot.pause()
        assert table.state(1) is RowState.CLEAN
        assert app.edits == ["delete 1 row", "undelete 1 row"]
        await pilot.press("down", "shift+down", "d")
        await pilot.pause()
        assert [table.state(r) for r in (2, 3, 4)] == [RowState.DELETED] * 2 + [RowState.CLEAN]


@pytest.mark.slow
async def test_undo_and_redo() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "name", 7)
        await pilot.press("enter", *"Seven", "enter", "g", "u")
        await pilot.pause()
        assert table.value(7, "name") == "Item 7"
        assert app.grid.cursor_row == 7  # undo shows where it happened
        await pilot.press("g", "ctrl+y")
        await pilot.pause()
        assert table.value(7, "name") == "Seven" and app.grid.cursor_row == 7
        await pilot.press("ctrl+z", "u")
        await pilot.pause()
        assert app.edits == ["edit name", "undo edit name", "redo edit name", "undo edit name"]
        assert app.refusals == ["nothing to undo"]


@pytest.mark.slow
async def test_fill_down_a_selection_and_from_the_cell_above() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "price", 10)
        await pilot.press("enter", *"9", "enter", "shift+down", "shift+down", "ctrl+d")
        await pilot.pause()
        assert [table.value(r, "price") for r in (10, 11, 12, 13)] == [9, 9, 9, 13 * 1.5]
        await pilot.press("escape", "down", "ctrl+d")
        await pilot.pause()
        assert table.value(13, "price") == 9
        assert app.edits == ["edit price", "fill down", "fill down"]


async def test_revert_throws_away_a_rows_changes() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "name", 2)
        await pilot.press("enter", *"x", "enter", "R")
        await pilot.pause()
        assert not table.dirty and app.edits == ["edit name", "revert 1 row"]


async def test_read_only_refuses_every_edit_and_keeps_the_table() -> None:
    table = make_table()
    app = GridApp(table, read_only="locked by bob@host since 10:32")
    async with app.run_test(size=SIZE) as pilot:
        version = table.version
        app.copy_to_clipboard("x")
        await go_to(pilot, "name", 2)
        for key in ("enter", "a", "d", "u", "ctrl+y", "ctrl+d", "p", "R"):
            await pilot.press(key)
        await pilot.pause()
        assert app.refusals == ["locked by bob@host since 10:32"] * 8
        assert table.version == version and app.edits == [] and not app.grid.editing


@pytest.mark.slow
async def test_read_only_set_later_closes_the_editor() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "name", 2)
        await pilot.press("enter", *"abc")
        app.grid.read_only = "locked by bob@host since 10:32"
        await pilot.pause()
        assert not app.grid.editing and app.grid.has_class("-read-only")
        await pilot.press("enter")
        await pilot.pause()
        assert app.refusals == ["locked by bob@host since 10:32"] and not table.dirty
        app.grid.read_only = None
        await pilot.press("enter", *"ok", "enter")
        await pilot.pause()
        assert table.value(2, "name") == "ok"


async def test_refresh_table_keeps_the_cursor_and_grows_columns() -> None:
    table = make_table(50)
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "name", 40)
        width = app.grid.column_width("name")
        table.append_page([{**record(i), "name": "N" * 30} for i in range(50, 100)])
        app.grid.refresh_table()
        await pilot.pause()
        assert app.grid.cursor_row == 40 and app.grid.cursor_column == "name"
        assert app.grid.column_width("name") == 30 > width
        await pilot.press("G")
        assert app.grid.cursor_row == 99


@pytest.mark.slow
async def test_an_empty_grid_and_a_click() -> None:
    app = GridApp(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "enter", "a", "slash")
        await pilot.pause()
        assert app.grid.cursor_row is None and app.edits == [] and app.refusals == []
        app.grid.set_table(make_table())
        await pilot.pause()
        # row 4 is on line 5; columns start after the gutter ("300" + mark + space)
        await pilot.click("#grid-body", offset=(5 + 4 + 2, 5))
        assert (app.grid.cursor_row, app.grid.cursor_column) == (4, "name")
        await pilot.click("#grid-body", offset=(5 + 4 + 2, 5), times=2)
        assert app.grid.editing
