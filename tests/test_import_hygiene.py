"""The core never imports textual or rich: only `tui/app/` shows and drives it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

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


@pytest.mark.parametrize("module", _core_modules())
def test_core_module_imports_no_textual(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "", f"{module} pulls in {run.stdout.strip()}"
