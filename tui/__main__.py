"""`python -m tui` runs the same command line as `writeback`."""

from tui.cli import run

run()
