"""The test suite's own house rules: no test module imports another test module, and
what several of them share lives in tests/support/ (fixtures, servers, helpers).

A test module that imported another one would run that module's tests' imports and
module-level code out of order and tie the two files together; a helper left in a test
module is one a second module will sooner or later import from there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SUPPORT = TESTS / "support"
# What may sit at the top of tests/ besides test modules.
TOP_LEVEL = {"__init__.py", "conftest.py"}
TOP_DIRS = {"support", "__snapshots__", "__pycache__"}


def imported_modules(source: str) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every module an import statement names, anywhere in the
    source (also inside functions); relative imports are resolved against `tests`, and
    `from package import name` yields both the package and `package.name`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(["tests", *([base] if base else [])])
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def imports_of_test_modules(source: str) -> list[str]:
    """The `tests.test_*` modules that `source` imports."""
    return sorted(
        {
            f"line {line}: {name}"
            for line, name in imported_modules(source)
            if name.split(".")[:1] == ["tests"]
            and len(name.split(".")) > 1
            and name.split(".")[1].startswith("test_")
        }
    )


def python_files() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts)


def test_the_scan_sees_each_way_of_importing_a_test_module() -> None:
    for source in [
        "import tests.test_cli",
        "import tests.test_cli as cli",
        "from tests.test_cli import main",
        "from tests import test_cli",
        "from .test_cli import main",
        "from . import test_cli",
        "def later():\n    from tests.test_cli import main\n",
    ]:
        assert imports_of_test_modules(source) != [], source
        assert imports_of_test_modules(source.replace("test_cli", "support")) == [], source
    assert imports_of_test_modules('TEXT = "from tests.test_cli import main"') == []


def test_no_module_of_the_suite_imports_a_test_module() -> None:
    """Test modules, conftest and tests/support alike: only tests/support is imported."""
    found = [
        f"{path.relative_to(TESTS.parent)} {entry}"
        for path in python_files()
        for entry in imports_of_test_modules(path.read_text(encoding="utf-8"))
    ]
    assert len(python_files()) > 50
    assert not found, "move what is shared to tests/support/:\n" + "\n".join(found)


def test_helpers_live_in_tests_support() -> None:
    """Outside tests/support only test modules, conftest.py and snapshots; inside it no
    test module (it would be collected), and conftest registers plugins from it only."""
    strays = [
        path.name
        for path in TESTS.iterdir()
        if (path.is_dir() and path.name not in TOP_DIRS)
        or (
            path.is_file()
            and path.suffix == ".py"
            and not path.name.startswith("test_")
            and path.name not in TOP_LEVEL
        )
    ]
    assert not strays, f"helpers belong in tests/support/: {strays}"
    collected_there = [p.name for p in SUPPORT.rglob("test_*.py")]
    assert not collected_there, f"tests/support/ holds no tests: {collected_there}"
    namespace: dict[str, object] = {}
    exec(compile((TESTS / "conftest.py").read_text(), "conftest.py", "exec"), namespace)
    plugins = namespace["pytest_plugins"]
    assert isinstance(plugins, list) and plugins
    assert all(name.startswith("tests.support.") for name in plugins), plugins
    for name in plugins:
        assert (TESTS.parent / (name.replace(".", "/") + ".py")).is_file(), name
