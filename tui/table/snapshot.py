"""The change set as plain JSON-able data for a journal, and back.

Rows are named by key where the table has one, so a snapshot restores onto
the rows as loaded again later (by row id without keys; new rows by id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from tui.table.cellcodec import decode_cells, encode_cells
from tui.table.keys import key_words
from tui.table.overlay import same
from tui.table.undo import Undo
from tui.table.validation import Validation

if TYPE_CHECKING:
    from tui.table.rows import Rows

SNAPSHOT_FORMAT = 1


class Snapshots:
    """The snapshot part of a table: ``snapshot`` and ``restore``."""

    def __init__(self, rows: Rows, validation: Validation, undo: Undo) -> None:
        self._t = rows
        self._valid = validation
        self._undo = undo

    def snapshot(self) -> dict[str, object]:
        """The change set as plain JSON-able data, for a journal."""
        t, ov, ident = self._t, self._t.overlay, self.ident
        return {
            "format": SNAPSHOT_FORMAT,
            "key": list(t.key),
            "next_new": ov.next_new,
            "updates": [
                {
                    **ident(row),
                    "set": encode_cells(cells),
                    "was": encode_cells({c: t.store.get(row, c) for c in cells}),
                }
                for row, cells in ov.updates.items()
            ],
            "inserts": [{"row": row, "values": encode_cells(v)} for row, v in ov.inserts.items()],
            "deletes": [ident(row) for row in ov.deletes],
            "errors": [{**ident(row), "reason": reason} for row, reason in t.errors.items()],
        }

    def ident(self, row: int) -> dict[str, object]:
        """How a journal names a row: by key where the table has one (new rows by id)."""
        if self._t.key and row >= 0:
            return {"key": encode_cells(self._t.key_of(row))}
        return {"row": row}

    def restore(self, data: Mapping[str, object]) -> list[str]:
        """Replace the change set with a snapshot; returns what could not be restored as it was.

        Rows are found by key (by row id without keys).  A row whose loaded
        value moved on since the snapshot keeps the edit and is reported.
        """
        if data.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"unknown snapshot format {data.get('format')!r}")
        t, ov = self._t, self._t.overlay
        self._reset()
        problems: list[str] = []
        for item in _items(data["updates"]):
            self._restore_update(item, problems)
        for item in _items(data["inserts"]):
            t.add_new(_int(item["row"]), decode_cells(_cells(item["values"])), len(ov.inserts))
        ov.next_new = min(ov.next_new, _int(data["next_new"]))
        self._restore_marks(data, problems)
        for row in ov.inserts:
            for column in t.columns:
                self._valid.validate(row, column)
        self._valid.revalidate_new_keys()  # once, not per row: restoring stays linear
        t.version += 1
        return problems

    def _restore_marks(self, data: Mapping[str, object], problems: list[str]) -> None:
        """Deletes and writeback errors, on the rows that are still there."""
        for item in _items(data["deletes"]):
            row = self._restore_row(item, problems)
            if row is not None:
                self._t.overlay.deletes[row] = None
        for item in _items(data.get("errors", [])):
            row = self._restore_row(item, [])
            if row is not None:
                self._t.errors[row] = str(item["reason"])

    def _reset(self) -> None:
        self._t.clear_changes()
        self._valid.clear()
        self._undo.history.clear()

    def _restore_row(self, item: Mapping[str, object], problems: list[str]) -> int | None:
        t = self._t
        found: int | None
        if "key" in item:
            key = decode_cells(_cells(item["key"]))
            found = t.find(key)
            where = f"row {key_words(key)}"
        else:
            row = _int(item["row"])
            found = row if t.exists(row) else None
            where = f"row {item['row']}"
        if found is None:
            problems.append(f"{where} is no longer there; its change was not restored")
        return found

    def _restore_update(self, item: Mapping[str, object], problems: list[str]) -> None:
        t = self._t
        row = self._restore_row(item, problems)
        if row is None:
            return
        was = decode_cells(_cells(item.get("was", {})))
        for column, value in decode_cells(_cells(item["set"])).items():
            t.store.add_column(column)
            loaded = t.store.get(row, column)
            if column in was and not same(was[column], loaded):
                problems.append(
                    f"{t.row_words(row)}, {column}: changed on the server since the edit "
                    f"(was {was[column]!r}, now {loaded!r}); your value is kept"
                )
            t.overlay.set_cell(row, column, value, loaded)
            self._valid.validate(row, column)


def _items(value: object) -> list[Mapping[str, object]]:
    """A list of objects from a snapshot (rows, updates, ...)."""
    if not isinstance(value, list):
        raise TypeError(f"a snapshot list expected, not {value!r}")
    return [_cells(item) for item in value]


def _cells(value: object) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise TypeError(f"a snapshot object expected, not {value!r}")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int | float | str):
        raise TypeError(f"a row number expected, not {value!r}")
    return int(value)
