"""The in-place cell editor: its line buffer, and the keys that finish an edit."""

from __future__ import annotations

from textual import events

from tests.support.grid import SIZE, GridApp, go_to, make_table
from tui.app.grid.inplace import LineBuffer


def test_a_new_buffer_is_replaced_by_typing_and_kept_by_a_move() -> None:
    typed = LineBuffer("Item 2")
    typed.insert("W")
    assert (typed.text, typed.caret) == ("W", 1)
    moved = LineBuffer("Item 2")
    moved.keep()
    moved.home()
    moved.insert(">")
    assert moved.text == ">Item 2"
    cleared = LineBuffer("abc")
    cleared.backspace()
    assert cleared.text == ""


def test_line_editing_moves() -> None:
    buffer = LineBuffer("alpha beta gamma")
    buffer.keep()
    buffer.word_left()
    assert buffer.caret == len("alpha beta ")
    buffer.kill_word()
    assert buffer.text == "alpha gamma"
    buffer.word_right()
    assert buffer.caret == len(buffer.text)
    buffer.home()
    buffer.delete()
    buffer.kill_right()
    assert buffer.text == ""
    buffer.insert("two\nlines")
    assert buffer.text == "two lines"


def test_the_window_keeps_the_caret_in_view() -> None:
    buffer = LineBuffer("0123456789abcdef")
    buffer.keep()
    shown, caret = buffer.window(8)
    assert (shown, caret) == ("9abcdef", 7)  # the caret sits after the last character
    buffer.home()
    assert buffer.window(8) == ("01234567", 0)
    wide = LineBuffer("日本語のテキスト")
    shown, caret = wide.window(6)
    assert shown == "スト" and caret == 2


async def test_the_edit_is_drawn_in_the_cell_line() -> None:
    app = GridApp(make_table())
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "name", 2)
        await pilot.press("enter", "left", *"!!")
        line = app.grid._body.render_line(1 + 2).text
        assert "Item !!2" in line
        assert app.edits == [] and app.focused is app.grid  # nothing written yet


async def test_tab_and_arrows_commit_and_move() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "name", 2)
        await pilot.press("enter", *"A", "tab")
        assert (table.value(2, "name"), app.grid.cursor_column) == ("A", "price")
        await pilot.press("enter", *"5", "down")
        assert table.value(2, "price") == 5 and app.grid.cursor_row == 3
        await pilot.press("enter", *"6", "pagedown")  # not an editor key: commits, then acts
        await pilot.pause()
        assert table.value(3, "price") == 6 and app.grid.cursor_row > 3
        assert app.edits == ["edit name", "edit price", "edit price"]


async def test_a_terminal_paste_goes_into_an_open_editor() -> None:
    table = make_table()
    app = GridApp(table)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, "note", 1)
        await pilot.press("enter")
        app.grid.post_message(events.Paste("pasted\ttext"))
        await pilot.pause()
        await pilot.press("enter")
        assert table.value(1, "note") == "pasted\ttext"
        assert table.value(2, "note") is None  # not pasted as a block
