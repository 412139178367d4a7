"""The app's key bindings, each with an id users can remap in the `[keys]` table.

The ids and what they do are listed in `tui.config.keys` (plain data, so
`writeback validate` can check them); these are the defaults.
"""

from __future__ import annotations

from textual.binding import Binding

from tui.config.keys import BINDING_IDS


def bind(
    ident: str,
    keys: str,
    action: str,
    description: str = "",
    *,
    show: bool = True,
    priority: bool = False,
    key_display: str | None = None,
) -> Binding:
    """A Binding whose id must be a known one (an unknown id could never be remapped)."""
    if ident not in BINDING_IDS:
        raise ValueError(f"binding id {ident!r} is missing from tui.config.keys.BINDING_IDS")
    return Binding(
        keys,
        action,
        description,
        show=show,
        priority=priority,
        key_display=key_display,
        tooltip=BINDING_IDS[ident],
        id=ident,
    )


APP_BINDINGS = [
    bind("app.quit", "ctrl+q", "quit", "quit", priority=True),
    bind("app.help", "f1,question_mark", "help", "help", key_display="f1"),
    bind("app.command_palette", "ctrl+p", "command_palette", "commands", show=False),
    bind("app.write_back", "ctrl+s", "write_back", "write back"),
    bind("app.lock", "ctrl+l", "toggle_lock", "lock"),
    bind("app.reload", "r", "reload", "reload", show=False),
    bind("app.cancel_load", "escape", "cancel_load", "cancel load", priority=True),
    bind("app.toggle_sidebar", "ctrl+b", "toggle_sidebar", "panes"),
    bind("app.toggle_audit", "f3", "toggle_audit", "audit"),
    bind("app.audit_filter", "f4", "audit_filter", "audit filter", show=False),
    bind("app.next_pane", "tab", "focus_next", "next pane", show=False),
    bind("app.previous_pane", "shift+tab", "focus_previous", "previous pane", show=False),
]
