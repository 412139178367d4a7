"""The grid's look: the component classes the painter styles cells with, and its CSS."""

COMPONENT_CLASSES = {
    "grid--header",
    "grid--changed",
    "grid--new",
    "grid--deleted",
    "grid--invalid",
    "grid--cursor",
    "grid--selection",
    "grid--readonly",
    "grid--gutter",
    "grid--gutter-cursor",
    "grid--editor",
    "grid--editor-caret",
}

# Every mark also has a text style, so it shows without colour (NO_COLOR).
GRID_CSS = """
    Grid {
        height: 1fr;
        layers: base overlay;
        background: $surface;
        & > .grid--header { background: $panel; color: $foreground; text-style: bold; }
        & > .grid--changed { color: $warning; text-style: bold; }
        & > .grid--new { color: $success; text-style: italic; }
        & > .grid--deleted { color: $error; text-style: strike; }
        & > .grid--invalid { background: $error-muted; text-style: underline; }
        & > .grid--cursor {
            background: $block-cursor-background;
            color: $foreground;
            text-style: bold;
        }
        & > .grid--selection { background: $accent-muted; }
        & > .grid--readonly { text-style: dim; }
        & > .grid--gutter { text-style: dim; }
        & > .grid--gutter-cursor { color: $accent; text-style: bold; }
        & > .grid--editor { background: $primary-muted; color: $foreground; }
        & > .grid--editor-caret { text-style: reverse; }
        &:nocolor > .grid--editor { text-style: underline; }
        &:nocolor > .grid--cursor { text-style: bold reverse; }
        &:nocolor > .grid--selection { text-style: reverse; }
    }
    """
