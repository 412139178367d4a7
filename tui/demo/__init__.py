"""The embedded demo: a local REST server in the style of Qlik Cloud, with sample data.

Standard library only, so it starts anywhere the app does.
"""

from tui.demo.data import seed_database
from tui.demo.server import DemoServer

__all__ = ["DemoServer", "seed_database"]
