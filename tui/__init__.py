"""writeback: edit rows behind REST APIs in the terminal and write them back."""

import sys

__version__ = "0.1.0"

# httpx imports its own command line (rich, click, pygments: 35-50 ms) whenever those
# are installed, as they are beside Textual; writeback never runs it.  A None entry
# makes that optional import fail at once, as it does where they are missing.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: documented
