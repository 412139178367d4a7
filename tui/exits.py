"""Exit codes of the `writeback` command, shared by the parser and every subcommand."""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_REFUSED: Final = 3
EXIT_STATE: Final = 4  # the state cannot be written: nothing more was sent
