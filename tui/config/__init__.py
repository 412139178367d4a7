"""Configuration: the typed model, discovery, loading with PATH:LINE errors."""

from tui.config.load import ConfigError, discover, load_config, parse_config, user_config_path
from tui.config.model import (
    Access,
    Auth,
    Column,
    Config,
    Destination,
    Integration,
    Load,
    Operation,
    Pagination,
    ReloadHook,
    StateSettings,
)

__all__ = [
    "Access",
    "Auth",
    "Column",
    "Config",
    "ConfigError",
    "Destination",
    "Integration",
    "Load",
    "Operation",
    "Pagination",
    "ReloadHook",
    "StateSettings",
    "discover",
    "load_config",
    "parse_config",
    "user_config_path",
]
