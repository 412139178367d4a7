"""The README and the docs site stay true to the code: the README is short and opens
with the commands CI runs, every key binding is on the keys page, and every whole
configuration the docs show is one writeback accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui.config import ConfigError, parse_config
from tui.config.keys import BINDING_IDS

# Found, not counted: the file may move to a layer's folder of the suite.
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
README = ROOT / "README.md"
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def fenced(path: Path, language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(path.read_text()) if lang == language]


def test_the_readme_is_short_and_opens_with_the_two_commands() -> None:
    text = README.read_text()
    assert len(text.splitlines()) < 200
    first = FENCE.search(text)
    assert first is not None
    commands = [line.split("#")[0].strip() for line in first.group(2).splitlines()]
    assert commands == [
        "python -m pip install -e . && writeback demo",
        "python -m pip install -e '.[test]' && python -m pytest -q",
    ]
    # CI runs the README's test command as the README gives it.
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_the_keys_page_lists_every_binding_with_its_words() -> None:
    rows = re.findall(
        r"^\| .+? \| (.+?) \| `([a-z_]+\.[a-z_]+)` \|$", (DOCS / "keys.md").read_text(), re.M
    )
    assert {ident: does for does, ident in rows} == BINDING_IDS


CONFIGS = [
    pytest.param(body, id=f"{path.name}-{n}")
    for path in [README, *sorted(DOCS.glob("*.md"))]
    for n, body in enumerate(fenced(path, "toml"))
    if "[integrations." in body and "[destinations." in body
]


def test_the_docs_show_whole_configurations() -> None:
    assert len(CONFIGS) >= 3


@pytest.mark.parametrize("text", CONFIGS)
def test_each_whole_configuration_in_the_docs_is_valid(text: str) -> None:
    try:
        parse_config(text)
    except ConfigError as exc:
        pytest.fail("\n".join(exc.lines))
