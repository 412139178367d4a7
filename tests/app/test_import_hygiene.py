"""The core never imports textual or rich: only `tui/app/` shows and drives it.

httpx itself imports rich for its command line when click happens to be installed,
so the subprocess check looks for textual and a source check looks for rich.
"""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tui


def _core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(tui.__path__, prefix="tui."):
        if info.name == "tui.app" or info.name.startswith("tui.app."):
            continue
        if info.name == "tui.__main__":
            continue
        names.append(info.name)
    return names


def test_core_modules_found() -> None:
    names = _core_modules()
    assert {"tui.cli", "tui.config", "tui.secrets"} <= set(names)


@pytest.mark.slow
@pytest.mark.parametrize("module", _core_modules())
def test_core_module_imports_no_textual(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "print(','.join(bad))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "", f"{module} pulls in {run.stdout.strip()}"


def test_core_sources_import_no_rich() -> None:
    root = Path(tui.__file__).parent
    pattern = re.compile(r"^\s*(from|import)\s+(textual|rich)\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "app" not in path.relative_to(root).parts[:1] and pattern.search(path.read_text())
    ]
    assert offenders == []
