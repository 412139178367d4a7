"""config.example.toml stays valid and documents every key the schema reads."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tui.config import load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"
SCHEMA = ROOT / "tui" / "config" / "schema.py"


def test_example_validates() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tui", "validate", "--config", str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    config = load_config(EXAMPLE)
    assert {"demo", "qlik", "postgrest"} <= set(config.integrations)
    owners = config.destinations["qlik_data_connection_owners"].update
    assert (owners.envelope, owners.array, owners.results) == ("connections", True, "data")
    patch = config.destinations["qlik_data_connections"].update
    assert (patch.payload, patch.envelope, patch.method) == ("json-patch", "patchData", "PATCH")


def test_every_schema_key_is_documented() -> None:
    keys = set(
        re.findall(
            r"\.(?:text|integer|number|flag|text_list|choice|maybe_choice|path_value|secret|value_map|table)"
            r'\(\s*"([a-z_0-9]+)"',
            SCHEMA.read_text(),
        )
    )
    text = EXAMPLE.read_text()
    missing = sorted(k for k in keys if not re.search(rf"\b{k}\b\s*=|\[[^\]]*\b{k}\b", text))
    assert len(keys) > 60
    assert missing == []
