"""Snapshots of the writeback preview, the conflict resolver and the destination form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.screens import Harness, conflicts, offline_preview
from tui.app.screens.conflicts import ConflictScreen
from tui.app.screens.forms import DestinationForm
from tui.app.screens.preview import PreviewScreen
from tui.demo.config_text import demo_config_text

SIZE = (100, 30)


def test_preview_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    app = Harness(PreviewScreen(offline_preview(tmp_path)))
    assert snap_compare(app, terminal_size=SIZE)


@pytest.mark.slow
def test_conflicts_snapshot(snap_compare: Any) -> None:
    app = Harness(ConflictScreen(conflicts()))
    assert snap_compare(app, press=["o"], terminal_size=SIZE)


@pytest.mark.slow
def test_destination_form_snapshot(
    snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the form shows the path it edits: keep it the same each run
    path = Path("writeback.toml")
    path.write_text(demo_config_text("http://127.0.0.1:8765/api/v1", Path("state.db")))
    app = Harness(DestinationForm(path, "products"))
    assert snap_compare(app, terminal_size=SIZE)
