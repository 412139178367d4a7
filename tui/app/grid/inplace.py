"""Editing a cell in place: a line of text drawn in the cell's own line, keys taken by the grid.

Why not an Input widget laid over the cell: moving the focus to another
widget makes Textual 8 repaint the whole screen (``Screen.focused`` is a
repainting reactive): the whole screen over SSH, twice per edit.  Drawn by the
grid itself, opening the editor costs one line and a keystroke costs the edit box.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.app.grid.cells import width_of

PLACEHOLDERS = {
    "date": "YYYY-MM-DD",
    "datetime": "YYYY-MM-DDTHH:MM:SS",
    "integer": "a whole number",
    "number": "a number",
    "json": "JSON",
}
MIN_BOX = 20  # cells the edit box gets even over a narrow column


class LineBuffer:
    """One line of text and a caret, with the usual line-editing moves.

    It opens with all its text selected, as spreadsheets do: typing replaces
    the value, a move keeps it and puts the caret where it goes.
    """

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.caret = len(text)
        self.all_selected = bool(text)

    def keep(self) -> None:
        """Drop the selection, keeping the text."""
        self.all_selected = False

    def _replace_selection(self) -> None:
        if self.all_selected:
            self.text, self.caret, self.all_selected = "", 0, False

    def insert(self, text: str) -> None:
        self._replace_selection()
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
        self.text = self.text[: self.caret] + text + self.text[self.caret :]
        self.caret += len(text)

    def backspace(self) -> None:
        if self.all_selected:
            self._replace_selection()
        elif self.caret:
            self.text = self.text[: self.caret - 1] + self.text[self.caret :]
            self.caret -= 1

    def delete(self) -> None:
        if self.all_selected:
            self._replace_selection()
        else:
            self.text = self.text[: self.caret] + self.text[self.caret + 1 :]

    def left(self) -> None:
        self.caret = max(0, self.caret - 1)

    def right(self) -> None:
        self.caret = min(len(self.text), self.caret + 1)

    def home(self) -> None:
        self.caret = 0

    def end(self) -> None:
        self.caret = len(self.text)

    def word_left(self) -> None:
        self.caret = self._word_start(self.caret)

    def word_right(self) -> None:
        at, text = self.caret, self.text
        while at < len(text) and text[at].isspace():
            at += 1
        while at < len(text) and not text[at].isspace():
            at += 1
        self.caret = at

    def kill_left(self) -> None:
        self.text, self.caret = self.text[self.caret :], 0

    def kill_right(self) -> None:
        self.text = self.text[: self.caret]

    def kill_word(self) -> None:
        start = self._word_start(self.caret)
        self.text = self.text[:start] + self.text[self.caret :]
        self.caret = start

    def _word_start(self, at: int) -> int:
        text = self.text
        while at > 0 and text[at - 1].isspace():
            at -= 1
        while at > 0 and not text[at - 1].isspace():
            at -= 1
        return at

    def window(self, width: int) -> tuple[str, int]:
        """The part of the text shown in ``width`` cells, and where the caret is in it.

        The window scrolls so the caret (one cell, after the last character at
        the end) stays visible.
        """
        start = max(0, self.caret - width + 1)
        while start < self.caret and width_of(self.text[start : self.caret]) >= width:
            start += 1  # wide characters: fewer fit
        shown = self.text[start : start + width]
        while width_of(shown) > width:
            shown = shown[:-1]
        return shown, self.caret - start


# Keys the editor takes, by Textual key name, and what each does to the buffer.
KEYS = {
    "left": LineBuffer.left,
    "right": LineBuffer.right,
    "home": LineBuffer.home,
    "end": LineBuffer.end,
    "ctrl+a": LineBuffer.home,
    "ctrl+e": LineBuffer.end,
    "ctrl+left": LineBuffer.word_left,
    "ctrl+right": LineBuffer.word_right,
    "backspace": LineBuffer.backspace,
    "ctrl+h": LineBuffer.backspace,
    "delete": LineBuffer.delete,
    "ctrl+d": LineBuffer.delete,
    "ctrl+u": LineBuffer.kill_left,
    "ctrl+k": LineBuffer.kill_right,
    "ctrl+w": LineBuffer.kill_word,
}


@dataclass
class CellEdit:
    """An edit in progress: the cell (row id and column, fixed when it opened) and its text."""

    row: int
    column: str
    kind: str  # the column type, for the placeholder
    width: int  # cells of the edit box
    buffer: LineBuffer = field(default_factory=LineBuffer)

    @property
    def placeholder(self) -> str:
        return PLACEHOLDERS.get(self.kind, "")

    def key(self, key: str, character: str | None) -> bool:
        """Apply a key; False when the editor does not use it."""
        move = KEYS.get(key)
        if move is not None:
            if move not in (LineBuffer.backspace, LineBuffer.delete):
                self.buffer.keep()
            move(self.buffer)
            return True
        if character is not None and character.isprintable():
            self.buffer.insert(character)
            return True
        return False
