"""The ids of the app's key bindings, for the `[keys]` table of the configuration.

Plain data, free of textual, so `writeback validate` can name an unknown id; the
app's bindings carry exactly these ids (tests/app/test_app_main.py keeps both in step).
"""

from __future__ import annotations

import re
from typing import Any

from tui.config.reader import Section, did_you_mean

# binding id -> what it does (docs/keys.md and `writeback validate` hints use these words)
BINDING_IDS: dict[str, str] = {
    "app.quit": "quit (asks first when changes are pending)",
    "app.help": "show the keys",
    "app.command_palette": "open the command palette",
    "app.write_back": "write the changes back (preview first)",
    "app.lock": "lock or unlock the destination",
    "app.reload": "reload the destination's rows",
    "app.cancel_load": "cancel a load in progress",
    "app.toggle_sidebar": "show or hide the integrations and destinations",
    "app.toggle_audit": "show or hide the audit pane",
    "app.audit_filter": "audit pane: this destination only, or every destination",
    "app.next_pane": "focus the next pane",
    "app.previous_pane": "focus the previous pane",
    "dialog.close": "close a dialog with its safe answer",
    "integrations.add": "add an integration",
    "integrations.edit": "edit the selected integration",
    "integrations.remove": "remove the selected integration",
    "integrations.check": "check every integration now",
    "destinations.add": "add a destination",
    "destinations.edit": "edit the selected destination",
    "destinations.remove": "remove the selected destination",
    "grid.cursor_up": "up",
    "grid.cursor_down": "down",
    "grid.cursor_left": "left",
    "grid.cursor_right": "right",
    "grid.page_up": "page up",
    "grid.page_down": "page down",
    "grid.first_column": "first column",
    "grid.last_column": "last column",
    "grid.top": "top",
    "grid.bottom": "bottom",
    "grid.select_up": "select up",
    "grid.select_down": "select down",
    "grid.select_left": "select left",
    "grid.select_right": "select right",
    "grid.clear": "clear selection or filter",
    "grid.edit": "edit",
    "grid.add_row": "add row",
    "grid.delete_row": "delete",
    "grid.undo": "undo",
    "grid.redo": "redo",
    "grid.fill_down": "fill down",
    "grid.copy": "copy",
    "grid.paste": "paste",
    "grid.revert": "revert row",
    "grid.search": "search",
    "grid.search_next": "next match",
    "grid.search_previous": "previous match",
    "grid.filter": "filter",
    "grid.filter_all": "filter all columns",
    "grid.clear_filter": "clear filter",
    "grid.sort": "sort",
    "grid.sort_descending": "sort descending",
    "grid.narrow": "narrower",
    "grid.widen": "wider",
    "grid.hide_column": "hide column",
    "grid.show_columns": "show all columns",
    "grid.choice_cancel": "choice list: close without a change",
    "grid.prompt_cancel": "search or filter prompt: close",
    "preview.write": "preview: write now",
    "preview.curl": "preview: show the requests as curl commands",
    "preview.copy": "preview: copy the curl commands",
    "preview.cancel": "preview: close without writing",
    "writeback.close": "writeback progress: close when done",
    "writeback.cancel": "writeback progress: close when done",
    "conflicts.overwrite": "conflict: overwrite the server's row",
    "conflicts.theirs": "conflict: take the server's values",
    "conflicts.skip": "conflict: skip the row this time",
    "conflicts.overwrite_all": "conflicts: overwrite all",
    "conflicts.theirs_all": "conflicts: take theirs for all",
    "conflicts.skip_all": "conflicts: skip all",
    "conflicts.next": "conflicts: next row",
    "conflicts.previous": "conflicts: previous row",
    "conflicts.apply": "conflicts: apply the choices",
    "conflicts.cancel": "conflicts: skip every row",
    "form.save": "config form: save",
    "form.cancel": "config form: close without saving",
    "form.remove": "remove: confirm",
}

_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_KEY = re.compile(r"^\S+$")


def key_problem(keys: str) -> str | None:
    """Why `keys` ("ctrl+s" or "f1,question_mark") is no list of keys, or None."""
    parts = [part.strip() for part in keys.split(",")]
    if not keys.strip() or any(not part for part in parts):
        return f'{keys!r} is no list of keys; write them as "ctrl+s" or "f1,question_mark"'
    for part in parts:
        if not _KEY.match(part):
            return f'{part!r} holds a space; name keys such as "space" or "ctrl+x"'
        *modifiers, name = part.split("+") if part != "+" else ["plus"]
        if not name:
            return f"{part!r} names no key after the modifiers"
        if any(m not in _MODIFIERS for m in modifiers):
            return f"{part!r}: modifiers are {', '.join(sorted(_MODIFIERS))}"
    return None


def keymap(s: Section | None) -> dict[str, str]:
    """`[keys]`: binding id -> "key[,key]"; `app.lock = ...` (unquoted) nests, so flatten."""
    if s is None:
        return {}
    keymap: dict[str, str] = {}
    for path, value in _flatten(s.data, ()):
        ident = ".".join(path)
        if ident not in BINDING_IDS:
            hint = did_you_mean(ident, BINDING_IDS)
            s.error(path, f"unknown binding id{hint}; docs/keys.md lists them")
        elif not isinstance(value, str):
            s.error(path, 'must be a string of keys such as "ctrl+s" or "f1,question_mark"')
        elif problem := key_problem(value):
            s.error(path, problem)
        else:
            keymap[ident] = ",".join(part.strip() for part in value.split(","))
    return keymap


def _flatten(data: dict[str, Any], path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    # A loop, not recursion: `a.a.a... = "x"` may nest deeper than the stack allows.
    items: list[tuple[tuple[str, ...], Any]] = []
    pending = [(path + (name,), value) for name, value in data.items()]
    while pending:
        where, value = pending.pop(0)
        if isinstance(value, dict):
            pending[:0] = [(where + (name,), inner) for name, inner in value.items()]
        else:
            items.append((where, value))
    return items
