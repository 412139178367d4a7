"""Blocks of cells as tab-separated text, the way spreadsheets put them on the clipboard."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence


def to_tsv(block: Sequence[Sequence[str]]) -> str:
    """Rows of cells as TSV; a cell holding a tab, a line break or a quote is quoted."""
    out = io.StringIO()
    writer = csv.writer(out, dialect="excel-tab", lineterminator="\n")
    writer.writerows(block)
    return out.getvalue().removesuffix("\n")


def from_tsv(text: str) -> list[list[str]]:
    """Cells from TSV text (a trailing line break is not an extra row)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
    if not text:
        return [[""]]
    if "\t" not in text and "\n" not in text:
        return [[text]]  # one value: taken as it is, quotes and all
    return [row or [""] for row in csv.reader(io.StringIO(text), dialect="excel-tab")]
