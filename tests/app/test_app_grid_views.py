"""The grid: copy and paste, search, filter, sort, column widths and hidden columns."""

from __future__ import annotations

import pytest
from textual import events

from tests.support.grid import SIZE, GridApp, go_to, make_table
from tui.app.grid.clipboard import from_tsv, to_tsv
from tui.app.grid.layout import ColumnLayout


def test_tsv_round_trip_quotes_tabs_and_line_breaks() -> None:
    block = [["a", "tab\there", 'say "hi"'], ["two\nlines", "", "x"]]
    assert from_tsv(to_tsv(block)) == block
    assert from_tsv("one\r\ntwo\r\n") == [["one"], ["two"]]
    assert from_tsv('5" screen') == [['5" screen']]


def test_layout_finds_columns_by_x() -> None:
    table = make_table(10)
    layout = ColumnLayout()
    layout.reset(table)
    start, width = layout.span(1)  # name
    assert layout.index_at(start) == 1 and layout.index_at(start + width) is None  # the gap
    assert layout.first_at(start + width) == 2
    layout.hide("name")
    assert "name" not in layout.shown and layout.span(1)[0] == start


async def test_copy_a_block_as_tsv() -> None:
    app = GridApp(make_table())
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "name", 1)
        await pilot.press("y")
        await pilot.press("shift+down", "shift+right", "ctrl+c")
        await pilot.pause()
        assert app.copied == ["Item 1", "Item 1\t1.5\nItem 2\t3"]
        assert app.clipboard == "Item 1\t1.5\nItem 2\t3"
        assert app.edits == []


async def test_paste_what_was_copied_and_a_terminal_paste() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "name", 1)
        await pilot.press("shift+down", "shift+right", "y", "escape")
        await go_to(pilot, "name", 10)
        await pilot.press("p")
        await pilot.pause()
        assert [table.value(r, "name") for r in (10, 11)] == ["Item 1", "Item 2"]
        assert [table.value(r, "price") for r in (10, 11)] == [1.5, 3]
        await go_to(pilot, "price", 20)
        app.grid.post_message(events.Paste("7\tpaused\n8\tclosed\n"))
        await pilot.pause()
        assert [table.value(r, "price") for r in (20, 21)] == [7, 8]  # parsed as numbers
        assert [table.value(r, "status") for r in (20, 21)] == ["paused", "closed"]
        assert app.edits == ["paste 2x2", "paste 2x2"]


async def test_one_value_pasted_fills_the_selection() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "note", 0)
        await pilot.press("shift+down", "shift+down")
        app.grid.paste_text("same")
        await pilot.pause()
        assert [table.value(r, "note") for r in range(4)] == ["same"] * 3 + [None]


async def test_paste_into_a_key_column_is_refused_whole() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "id", 0)
        app.grid.paste_text("1\tx")
        await pilot.pause()
        assert app.refusals == ["id is a key column; keys of loaded rows cannot change"]
        assert not table.dirty


@pytest.mark.slow
async def test_search_and_next_match() -> None:
    app = GridApp(make_table())
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "price", 0)
        await pilot.press("slash", *"item 1", "enter")
        await pilot.pause()
        assert (app.grid.cursor_row, app.grid.cursor_column) == (1, "name")
        await pilot.press("n")
        assert app.grid.cursor_row == 10
        await pilot.press("n", "N", "N")
        assert app.grid.cursor_row == 1
        await pilot.press("slash", *"sku-00250", "enter")
        assert (app.grid.cursor_row, app.grid.cursor_column) == (250, "sku")


@pytest.mark.slow
async def test_filter_on_a_column_and_clear() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "status", 0)
        await pilot.press("f", *"paused", "enter")
        await pilot.pause()
        assert table.visible_count == 100
        assert {table.value(r, "status") for r in table.visible_rows(0, 100)} == {"paused"}
        assert app.grid.cursor_row == 1  # the first paused row
        await pilot.press("F")
        assert table.visible_count == 300 and app.grid.cursor_row == 1
        await pilot.press("backslash", *"item 29", "enter")
        assert table.visible_count == 11  # 29, 290..299
        await pilot.press("escape")
        assert not table.filtered


async def test_sort_descending_and_back() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "price", 3)
        await pilot.press("S")
        await pilot.pause()
        assert table.sorted_by == ("price", True)
        assert table.row_at(0) == 299 and app.grid.cursor_row == 3  # still on its row
        assert "price▼" in app.grid._body.render_line(0).text
        await pilot.press("g")
        assert app.grid.cursor_row == 299
        await pilot.press("S")
        assert table.sorted_by is None and table.row_at(0) == 0
        await pilot.press("s")
        assert table.sorted_by == ("price", False)


async def test_hide_show_widen_and_narrow_a_column() -> None:
    app = GridApp(make_table())
    async with app.run_test(size=SIZE) as pilot:
        grid = app.grid
        await go_to(pilot, "price", 0)
        width = grid.column_width("price")
        await pilot.press("greater_than_sign")
        assert grid.column_width("price") == width + 2
        await pilot.press("less_than_sign", "less_than_sign")
        assert grid.column_width("price") == width - 2
        await pilot.press("H")
        assert "price" not in grid.shown_columns and grid.cursor_column == "status"
        assert "price" not in grid._body.render_line(0).text
        await pilot.press("U")
        assert "price" in grid.shown_columns and grid.cursor_column == "status"


async def test_horizontal_scroll_keeps_the_cursor_in_view() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press("end")
        await pilot.pause()
        body = app.grid._body
        assert body.scroll_offset.x > 0
        assert body.render_line(0).text.rstrip().endswith("note")
        await pilot.press("home", "G")
        await pilot.pause()
        assert body.scroll_offset == (0, 300 + 1 - (12 - 1))
        assert body.render_line(11 - 1).text.startswith("300")


async def test_row_numbers_can_be_turned_off() -> None:
    app = GridApp(make_table(20))
    async with app.run_test(size=SIZE) as pilot:
        body = app.grid._body
        assert body.render_line(1).text.startswith(" 1  ")
        app.grid.row_numbers = False
        await pilot.pause()
        assert body.render_line(0).text.startswith("*id")
        assert body.render_line(1).text.startswith("  0 Item 0")


async def test_escape_with_nothing_to_clear_is_left_to_the_app() -> None:
    app = GridApp(make_table(20))
    async with app.run_test(size=SIZE) as pilot:
        assert app.grid.check_action("clear", ()) is False
        await pilot.press("shift+down")
        assert app.grid.check_action("clear", ()) is True
        await pilot.press("escape")
        assert app.grid.selection is None
