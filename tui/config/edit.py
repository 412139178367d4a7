"""Round-trip edits of the configuration file that keep the user's comments and layout.

The file is re-read at save time and only the changed keys are touched (tomlkit
keeps everything else byte for byte); the result is validated before it is written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import InlineTable, Table

from tui.config.load import ConfigError, parse_config
from tui.config.model import Config

SECTIONS = ("integrations", "destinations")
# Small mappings read best on one line; anything else becomes a [table] of its own.
_INLINE_KEYS = frozenset({"headers", "params", "pagination", "insert", "update", "delete"})
_SECRET_KEYS = frozenset({"env", "keyring", "file", "prompt"})


class ConfigFile:
    """A configuration file edited in place: `set`/`remove` queue changes, `save` applies them."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._edits: list[tuple[str, str, Mapping[str, Any] | None]] = []

    def set(self, section: str, ident: str, values: Mapping[str, Any]) -> None:
        """Create or change `[section.ident]`; keys absent from `values` are removed."""
        _check_section(section)
        self._edits.append((section, ident, values))

    def remove(self, section: str, ident: str) -> None:
        _check_section(section)
        self._edits.append((section, ident, None))

    def preview(self) -> str:
        """The text `save()` would write, validated; raises ConfigError if it would be invalid."""
        text = self.path.read_text(encoding="utf-8") if self.path.exists() else ""
        document = tomlkit.parse(text)
        for section, ident, values in self._edits:
            _apply(document, section, ident, values)
        result = tomlkit.dumps(document)
        parse_config(result, self.path)
        return result

    def save(self) -> Config:
        """Write the edits atomically, keeping the file's permissions; returns the new config."""
        text = self.preview()
        _atomic_write(self.path, text)
        self._edits.clear()
        return parse_config(text, self.path)


def _check_section(section: str) -> None:
    if section not in SECTIONS:
        raise ValueError(f"section must be one of {', '.join(SECTIONS)}")


def _apply(document: Any, section: str, ident: str, values: Mapping[str, Any] | None) -> None:
    parent = document.get(section)
    if values is None:
        if parent is None or ident not in parent:
            raise ConfigError([f"{section}.{ident}: no such entry to remove"])
        del parent[ident]
        return
    if parent is None:
        parent = tomlkit.table(is_super_table=True)
        document.add(section, parent)
    if ident not in parent:
        parent.add(ident, _new_container(ident, values, inline=False))
        return
    _merge(parent[ident], values)


def _merge(target: Table | InlineTable, values: Mapping[str, Any]) -> None:
    for key in [k for k in target if k not in values]:
        del target[key]
    for key, value in values.items():
        current = target.get(key)
        if isinstance(value, Mapping) and isinstance(current, Table | InlineTable):
            _merge(current, value)
        elif key not in target:
            target.add(key, _new_item(key, value))
        elif _plain(current) != _plain(value):
            target[key] = _new_item(key, value)  # in place: keeps position and comment


def _new_item(key: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        inline = key in _INLINE_KEYS or set(value) <= _SECRET_KEYS | {"user"} or _flat(value)
        return _new_container(key, value, inline=inline)
    return tomlkit.item(value)


def _new_container(key: str, values: Mapping[str, Any], *, inline: bool) -> Any:
    container = tomlkit.inline_table() if inline else tomlkit.table()
    for name, value in values.items():
        item = _new_item(name, value)
        if inline and isinstance(item, Table):
            item = _new_container(name, value, inline=True)
        container.add(name, item)
    if not inline and not any(isinstance(item, Table) for item in container.value.values()):
        container.add(tomlkit.nl())  # a blank line before whatever table follows
    return container


def _flat(value: Mapping[str, Any]) -> bool:
    return len(value) <= 3 and not any(isinstance(v, Mapping | list) for v in value.values())


def _plain(value: Any) -> Any:
    return value.unwrap() if hasattr(value, "unwrap") else value


def _atomic_write(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
