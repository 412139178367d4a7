"""Keys: binding ids users remap in the config, the errors `validate` gives for them,
and the command palette that names every action "verb: object"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.app import app_for, loaded, wait_until, write_config
from tui.demo import DemoServer
from tui.state import StateStore

pytestmark = pytest.mark.slow  # the app driven key by key against the demo server


async def test_keys_remapped_in_the_config(tmp_path: Path, demo_server: DemoServer) -> None:
    config = write_config(tmp_path, demo_server.api_url, '\n[keys]\n"app.lock" = "f5"\n')
    with StateStore(tmp_path / "state.db") as state:
        app = app_for(config, state)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot)
            await pilot.press("ctrl+l")  # the default no longer locks
            assert state.locks.get("products") is None
            await pilot.press("f5")
            assert state.locks.get("products").login == "alice"


async def test_palette_offers_every_action_as_verb_object(config: Path, state: StateStore) -> None:
    from textual.command import CommandList

    from tui.app.palette import commands

    app = app_for(config, state)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        titles = {command.title for command in commands(app)}
        expected = {
            "write back: products",
            "lock: products",
            "reload: products",
            "undo: products",
            "open: products_batch",
            "toggle: audit pane",
            "edit: integration demo",
            "remove: destination web_integrations",
        }
        assert expected <= titles
        assert all(": " in title for title in titles)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"lock: products")
        hits = lambda: app.screen.query_one(CommandList).option_count  # noqa: E731
        await wait_until(pilot, hits, what="hits")
        await pilot.press("enter")
        await wait_until(pilot, lambda: state.locks.get("products"), timeout=3, what="locked")


def test_every_binding_has_a_known_id() -> None:
    """Every binding of every widget and screen of the app can be remapped by its id,
    and `writeback validate` knows every id there is."""
    import importlib
    import inspect
    import pkgutil

    from textual.dom import DOMNode

    import tui.app
    from tui.config.keys import BINDING_IDS

    ids = []
    for info in pkgutil.walk_packages(tui.app.__path__, prefix="tui.app."):
        for _, cls in inspect.getmembers(importlib.import_module(info.name), inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__ == info.name:
                ids += [getattr(b, "id", None) for b in cls.__dict__.get("BINDINGS", [])]
    assert len(ids) > 60
    assert None not in ids
    assert set(ids) - set(BINDING_IDS) == set()
    assert set(BINDING_IDS) - set(ids) == set()


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ('"app.lok" = "x"', "unknown binding id (did you mean 'app.lock'?)"),
        ("app.lock = 3", "must be a string of keys"),
        ('"app.lock" = "ctrl+"', "names no key"),
        ('"grid.undo" = "u, ctrl+z, cmd+z"', "modifiers are"),
    ],
)
def test_keys_table_errors_name_the_line(keys: str, message: str) -> None:
    from tui.config import ConfigError, parse_config

    with pytest.raises(ConfigError) as caught:
        parse_config(f"[state]\nretention_days = 0\n\n[keys]\n{keys}\n", "wb.toml")
    assert caught.value.lines == [caught.value.lines[0]]
    assert caught.value.lines[0].startswith("wb.toml:5: keys.")
    assert message in caught.value.lines[0]


def test_keys_table_accepts_quoted_and_dotted_ids() -> None:
    from tui.config import parse_config

    config = parse_config('[keys]\n"app.lock" = "f5"\napp.reload = "ctrl+r, f6"\n')
    assert config.keys == {"app.lock": "f5", "app.reload": "ctrl+r,f6"}
