"""A rectangle of cells between an anchor and the cursor, in view positions."""

from __future__ import annotations

from typing import NamedTuple


class Block(NamedTuple):
    top: int  # first position (row in view)
    bottom: int  # last position, inclusive
    left: int  # first shown column index
    right: int  # last shown column index, inclusive

    @classmethod
    def between(cls, a: tuple[int, int], b: tuple[int, int]) -> Block:
        """The block spanned by two (position, column index) corners."""
        return cls(min(a[0], b[0]), max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1]))

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1

    @property
    def width(self) -> int:
        return self.right - self.left + 1

    def has_row(self, position: int) -> bool:
        return self.top <= position <= self.bottom

    def has(self, position: int, column: int) -> bool:
        return self.top <= position <= self.bottom and self.left <= column <= self.right
