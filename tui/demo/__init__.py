"""The embedded demo: a local REST server in the style of Qlik Cloud, with sample data.

Standard library only, so it starts anywhere the app does.
"""

from tui.demo.config_text import demo_config_text
from tui.demo.server import DemoServer
from tui.demo.store import seed_database

__all__ = ["DemoServer", "demo_config_text", "seed_database"]
