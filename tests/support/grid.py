"""The grid harness: a Grid mounted on a Table built in memory from a typed destination,
shared by the grid test modules (tests/app/test_app_grid*.py)."""

from __future__ import annotations

import datetime as dt

from textual.app import App, ComposeResult

from tui.app.grid import Grid
from tui.config.model import Column, Destination
from tui.table import Table

SIZE = (100, 20)
STATUSES = ("active", "paused", "closed")


def destination() -> Destination:
    columns = [
        Column("id", type="integer"),
        Column("name", type="text", required=True),
        Column("price", type="number", min=0),
        Column("status", type="choice", choices=STATUSES),
        Column("active", type="boolean"),
        Column("since", type="date"),
        Column("sku", type="text", read_only=True),
        Column("note", type="text"),
    ]
    return Destination(
        id="products", integration="shop", path="/products", key=("id",),
        columns={c.name: c for c in columns},
    )  # fmt: skip


def record(i: int) -> dict[str, object]:
    return {
        "id": i,
        "name": f"Item {i}",
        "price": i * 1.5,
        "status": STATUSES[i % 3],
        "active": i % 2 == 0,
        "since": dt.date(2024, 1, 1 + i % 28),
        "sku": f"SKU-{i:05d}",
        "note": "a long note " * 10 if i == 5 else None,
    }


def make_table(rows: int = 300) -> Table:
    table = Table.for_destination(destination())
    table.append_page([record(i) for i in range(rows)])
    return table


class GridApp(App[None]):
    """A Grid on a table, recording what the grid tells the app."""

    def __init__(self, table: Table | None, read_only: str | None = None) -> None:
        super().__init__()
        self.table, self.read_only = table, read_only
        self.moves: list[Grid.CursorMoved] = []
        self.edits: list[str] = []
        self.refusals: list[str] = []
        self.copied: list[str] = []

    def compose(self) -> ComposeResult:
        yield Grid(id="grid")

    def on_mount(self) -> None:
        grid = self.query_one(Grid)
        grid.set_table(self.table, read_only=self.read_only)
        grid.focus()

    @property
    def grid(self) -> Grid:
        return self.query_one(Grid)

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)
        super().copy_to_clipboard(text)

    def on_grid_cursor_moved(self, message: Grid.CursorMoved) -> None:
        self.moves.append(message)

    def on_grid_table_edited(self, message: Grid.TableEdited) -> None:
        self.edits.append(message.label)

    def on_grid_edit_declined(self, message: Grid.EditDeclined) -> None:
        self.refusals.append(message.reason)


async def go_to(pilot, column: str, position: int = 0) -> None:  # noqa: ANN001 - a Pilot
    """Put the cursor on a column at a view position."""
    grid = pilot.app.grid
    grid.move_to(position, grid.shown_columns.index(column))
    await pilot.pause()
