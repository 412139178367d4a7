"""Find, read and validate a configuration file."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from msgspec.structs import replace

from tui.config.model import Config
from tui.config.schema import build_config

# Patterns of the error paths: compiled on first use (re caches them), not at each start.
_NESTING = r"(?:[\[{]\s*){100}"
_LONG_NUMBER = r"[0-9_]{4300}"
_TOML_POSITION = r"\s*\(at line (\d+), column \d+\)|\s*\(at end of document\)"


class ConfigError(Exception):
    """A configuration that cannot be used; `lines` are `PATH:LINE: message`, one per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def user_config_path() -> Path:
    from platformdirs import user_config_path as _user_config_dir

    return _user_config_dir("writeback") / "config.toml"


def discover(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--config`, else $WRITEBACK_CONFIG, else ./writeback.toml, else the user config dir."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("WRITEBACK_CONFIG")
    if env:
        return Path(env)
    local = Path("writeback.toml")
    if local.is_file():
        return local
    return user_config_path()


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate `path`; raises ConfigError listing every problem at once."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}:1: no such configuration file"]) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        byte = exc.object[exc.start]
        raise ConfigError(
            [f"{path}:{line}: cannot read: not UTF-8 text (byte {byte:#04x})"]
        ) from None
    except OSError as exc:
        raise ConfigError([f"{path}:1: cannot read: {exc.strerror or exc}"]) from None
    return parse_config(text, path)


def parse_config(text: str, path: str | os.PathLike[str] = "<config>") -> Config:
    if text.startswith("\ufeff"):
        raise ConfigError(
            [f"{path}:1: starts with a byte order mark; save it as UTF-8 without BOM"]
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax_line(path, text, str(exc))]) from None
    except (ValueError, RecursionError) as exc:
        raise ConfigError([_limit_line(path, text, exc)]) from None
    config, problems = build_config(data)
    if problems:
        from tui.config.locate import LineIndex  # only a config with mistakes needs it

        index = LineIndex(text)
        # A destination-level mistake inherited by several operations is reported once.
        located = sorted({(index.line_of(p.path), p.message) for p in problems})
        raise ConfigError([f"{path}:{line}: {message}" for line, message in located])
    return replace(config, source=Path(path))


def _limit_line(path: str | os.PathLike[str], text: str, exc: Exception) -> str:
    # tomllib lets these through: an integer past Python's digit limit, nesting past the stack.
    if isinstance(exc, RecursionError):
        where, what = re.search(_NESTING, text), "arrays or inline tables nested too deeply"
    elif where := re.search(_LONG_NUMBER, text):
        what = "a number with too many digits"
    else:
        what = " ".join(str(exc).split())
    line = text.count("\n", 0, where.start()) + 1 if where else text.count("\n") + 1
    return f"{path}:{line}: invalid TOML: {what}"


def _syntax_line(path: str | os.PathLike[str], text: str, message: str) -> str:
    match = re.search(_TOML_POSITION, message)
    line = text.count("\n") + 1
    if match and match.group(1):
        line = int(match.group(1))
    return f"{path}:{line}: invalid TOML: {re.sub(_TOML_POSITION, '', message)}"
