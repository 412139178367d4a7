"""The grid's keys.  Each binding has an id "grid.<action>" so the app can remap it."""

from __future__ import annotations

from textual.binding import Binding


def _key(keys: str, action: str, description: str, show: bool = False) -> Binding:
    return Binding(keys, action, description, show=show, id=f"grid.{action}")


GRID_BINDINGS = [
    # moving
    _key("up,k", "cursor_up", "Up"),
    _key("down,j", "cursor_down", "Down"),
    _key("left,h", "cursor_left", "Left"),
    _key("right,l", "cursor_right", "Right"),
    _key("pageup", "page_up", "Page up"),
    _key("pagedown", "page_down", "Page down"),
    _key("home", "first_column", "First column"),
    _key("end", "last_column", "Last column"),
    _key("g,ctrl+home", "top", "Top"),
    _key("G,ctrl+end", "bottom", "Bottom"),
    _key("shift+up", "select_up", "Select up"),
    _key("shift+down", "select_down", "Select down"),
    _key("shift+left", "select_left", "Select left"),
    _key("shift+right", "select_right", "Select right"),
    _key("escape", "clear", "Clear selection or filter"),
    # editing
    _key("enter,space,f2", "edit", "Edit", show=True),
    _key("a", "add_row", "Add row", show=True),
    _key("d", "delete_row", "Delete", show=True),
    _key("u,ctrl+z", "undo", "Undo", show=True),
    _key("ctrl+y", "redo", "Redo"),
    _key("ctrl+d", "fill_down", "Fill down"),
    _key("y,ctrl+c", "copy", "Copy"),
    _key("p,ctrl+v", "paste", "Paste"),
    _key("R", "revert", "Revert row"),
    # views
    _key("slash", "search", "Search", show=True),
    _key("n", "search_next", "Next match"),
    _key("N", "search_previous", "Previous match"),
    _key("f", "filter", "Filter", show=True),
    _key("backslash", "filter_all", "Filter all columns"),
    _key("F", "clear_filter", "Clear filter"),
    _key("s", "sort", "Sort"),
    _key("S", "sort_descending", "Sort descending"),
    _key("less_than_sign", "narrow", "Narrower"),
    _key("greater_than_sign", "widen", "Wider"),
    _key("H", "hide_column", "Hide column"),
    _key("U", "show_columns", "Show all columns"),
]
