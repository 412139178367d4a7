"""The test suite's own house rules.

Every test module lives in the folder of the layer it exercises (tests/config/,
tests/rest/, ... tests/e2e/ for runs through several layers and real processes) or,
for the harness's own tests, beside the harness in tests/support/. No test module
imports another test module: what several of them share lives in tests/support/.
Snapshots sit next to the module whose tests take them.

A test module that imported another one would run that module's tests' imports and
module-level code out of order and tie the two files together; a helper left in a test
module is one a second module will sooner or later import from there.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import tui

TESTS = Path(__file__).resolve().parent.parent
SUPPORT = TESTS / "support"
# The package's layers, each with its folder of tests.
PACKAGE_LAYERS = ("config", "rest", "table", "state", "workspace", "writeback", "app")
# Besides them: the command line (tui/cli.py, tui/commands/) and runs through several layers.
LAYERS = (*PACKAGE_LAYERS, "cli", "e2e")
# What may sit at the top of tests/ besides the folders.
TOP_LEVEL_FILES = {"__init__.py", "conftest.py"}
SNAPSHOTS = "__snapshots__"  # pytest-textual-snapshot: __snapshots__/<module>/<test>.svg
IGNORED = {"__pycache__", ".pytest_cache"}


def imported_modules(source: str, package: str = "tests") -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every module an import statement names, anywhere in the
    source (also inside functions); relative imports are resolved against `package`, and
    `from package import name` yields both the package and `package.name`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = parts[: len(parts) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def imports_of_test_modules(source: str, package: str = "tests") -> list[str]:
    """The test modules (`tests.<folder>.test_*`, `tests.test_*`) that `source` imports."""
    return sorted(
        {
            f"line {line}: {name}"
            for line, name in imported_modules(source, package)
            if name.split(".")[0] == "tests"
            and any(part.startswith("test_") for part in name.split(".")[1:3])
        }
    )


def package_of(path: Path) -> str:
    """The dotted package a module of the suite is imported in (tests.rest, ...)."""
    return ".".join(path.parent.relative_to(TESTS.parent).parts)


def python_files() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if not IGNORED & set(path.parts))


def suite_test_modules() -> list[Path]:
    return [path for path in python_files() if path.name.startswith("test_")]


def test_the_scan_sees_each_way_of_importing_a_test_module() -> None:
    for source, package in [
        ("import tests.cli.test_cli", "tests.rest"),
        ("import tests.cli.test_cli as cli", "tests.rest"),
        ("from tests.cli.test_cli import main", "tests.rest"),
        ("from tests.cli import test_cli", "tests.rest"),
        ("from tests.test_cli import main", "tests.rest"),
        ("from .test_cli import main", "tests.cli"),
        ("from . import test_cli", "tests.cli"),
        ("from ..cli.test_cli import main", "tests.rest"),
        ("from ..cli import test_cli", "tests.rest"),
        ("def later():\n    from tests.cli.test_cli import main\n", "tests.rest"),
    ]:
        assert imports_of_test_modules(source, package) != [], source
        harmless = source.replace("test_cli", "helpers").replace("cli", "support")
        assert imports_of_test_modules(harmless, package) == [], harmless
    assert imports_of_test_modules('TEXT = "from tests.cli.test_cli import main"') == []
    assert imports_of_test_modules("from tests.support.fault_proxy import FaultProxy") == []


def test_no_module_of_the_suite_imports_a_test_module() -> None:
    """Test modules, conftest and tests/support alike: only tests/support is imported."""
    found = [
        f"{path.relative_to(TESTS.parent)} {entry}"
        for path in python_files()
        for entry in imports_of_test_modules(path.read_text(encoding="utf-8"), package_of(path))
    ]
    assert len(suite_test_modules()) > 50
    assert not found, "move what is shared to tests/support/:\n" + "\n".join(found)


def test_the_layer_folders_are_the_packages_layers() -> None:
    package = Path(tui.__file__).parent
    assert all((package / layer / "__init__.py").is_file() for layer in PACKAGE_LAYERS)
    assert (package / "cli.py").is_file() and (package / "commands").is_dir()


def test_every_test_module_lives_in_a_layer_folder() -> None:
    """tests/<layer>/test_*.py or tests/support/test_*.py, one level down, nowhere else;
    every layer has tests."""
    homes = {*LAYERS, "support"}
    strays = [
        str(path.relative_to(TESTS))
        for path in suite_test_modules()
        if len(path.relative_to(TESTS).parts) != 2 or path.parent.name not in homes
    ]
    assert not strays, f"move these into tests/<layer>/ ({', '.join(LAYERS)}): {strays}"
    empty = [layer for layer in LAYERS if not list((TESTS / layer).glob("test_*.py"))]
    assert not empty, f"layer folders without tests: {empty}"


def test_layer_folders_hold_test_modules_only() -> None:
    """Outside tests/support only test modules, conftest.py, packages' __init__.py and
    snapshots; conftest registers plugins from tests/support only."""
    top = [
        path.name
        for path in TESTS.iterdir()
        if path.name not in IGNORED
        and not (path.is_file() and path.name in TOP_LEVEL_FILES)
        and not (path.is_dir() and path.name in {*LAYERS, "support"})
    ]
    assert not top, f"tests/ holds only the layer folders, support/ and conftest.py: {top}"
    helpers = [
        str(path.relative_to(TESTS))
        for layer in LAYERS
        for path in (TESTS / layer).iterdir()
        if path.name not in IGNORED
        and not (path.is_dir() and path.name == SNAPSHOTS)
        and not (path.suffix == ".py" and path.name.startswith("test_"))
        and path.name != "__init__.py"
    ]
    assert not helpers, f"helpers belong in tests/support/: {helpers}"
    # Each folder a package: test modules of the same name in two layers stay apart.
    missing = [d for d in [*LAYERS, "support"] if not (TESTS / d / "__init__.py").is_file()]
    assert not missing, f"folders without __init__.py: {missing}"
    namespace: dict[str, object] = {}
    exec(compile((TESTS / "conftest.py").read_text(), "conftest.py", "exec"), namespace)
    plugins = namespace["pytest_plugins"]
    assert isinstance(plugins, list) and plugins
    assert all(name.startswith("tests.support.") for name in plugins), plugins
    for name in plugins:
        assert (TESTS.parent / (name.replace(".", "/") + ".py")).is_file(), name


def test_snapshots_sit_beside_the_tests_that_take_them() -> None:
    """__snapshots__/<module>/<test>[<params>].svg next to <module>.py defining <test>:
    a snapshot a moved or renamed test left behind would never be compared again."""
    snapshots = sorted(TESTS.rglob(f"{SNAPSHOTS}/*/*.svg"))
    assert snapshots, "no snapshots found"
    orphans = []
    for svg in snapshots:
        module = svg.parent.parent.parent / f"{svg.parent.name}.py"
        test = re.sub(r"\[.*\]$", "", svg.stem)
        defined = module.is_file() and re.search(
            rf"^(async )?def {re.escape(test)}\(", module.read_text(encoding="utf-8"), re.M
        )
        if not defined:
            orphans.append(str(svg.relative_to(TESTS)))
    assert not orphans, f"snapshots of no test: {orphans}"


def _support_fixtures() -> dict[str, ast.FunctionDef]:
    """The fixtures tests/support defines, by name."""
    found = {}
    for path in SUPPORT.glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and any(
                "fixture" in ast.unparse(decorator) for decorator in node.decorator_list
            ):
                found[node.name] = node
    return found


def test_the_servers_marker_knows_the_fixtures_that_start_servers() -> None:
    """A server fixture renamed without tests/conftest.py would leave its users unmarked."""
    from tests.conftest import SERVER_FIXTURES, SERVER_PARAMS

    fixtures = _support_fixtures()
    assert not SERVER_FIXTURES - set(fixtures), SERVER_FIXTURES - set(fixtures)
    for name, value in SERVER_PARAMS.items():
        assert value in ast.unparse(fixtures[name].decorator_list[0]), name
