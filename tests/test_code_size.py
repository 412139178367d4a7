"""Size limits that keep the code readable at a sitting: modules of at most 500
lines and classes of at most 300, counted from the `class` line to its last line."""

from __future__ import annotations

import ast
from pathlib import Path

import tui

MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 300
SOURCES = sorted(Path(tui.__file__).parent.rglob("*.py"))


def _classes(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.name, (node.end_lineno or node.lineno) - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]


def test_sources_found() -> None:
    names = {path.name for path in SOURCES}
    assert {"cli.py", "table.py", "app.py"} <= names and len(SOURCES) > 100


def test_no_module_over_the_limit() -> None:
    sizes = {path: len(path.read_text(encoding="utf-8").splitlines()) for path in SOURCES}
    over = sorted(
        f"{path.relative_to(path.parents[1])}: {n}"
        for path, n in sizes.items()
        if n > MAX_MODULE_LINES
    )
    assert not over, f"modules over {MAX_MODULE_LINES} lines: {over}"


def test_no_class_over_the_limit() -> None:
    over = [
        f"{path.name}:{name}: {n}"
        for path in SOURCES
        for name, n in _classes(path)
        if n > MAX_CLASS_LINES
    ]
    assert not over, f"classes over {MAX_CLASS_LINES} lines: {over}"


def test_class_lines_are_counted_to_the_last_line(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text("class A:\n    x = 1\n\n    def f(self):\n        return 2\n")
    assert _classes(source) == [("A", 5)]
