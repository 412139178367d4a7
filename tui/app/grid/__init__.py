"""The editable data grid: a virtualised view of a Table with its change set."""

from tui.app.grid.widget import Grid

__all__ = ["Grid"]
