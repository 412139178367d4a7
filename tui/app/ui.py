"""The few things a helper may ask of the screen besides its own widgets, as callables.

The app hands its bound methods (``app.push_screen``, ``app.run_worker``...) to the
helpers; these protocols say what each helper can do with them, and no more.  (A toast,
``app.notify``, is asked for as tui.workspace.writeflow.Notify: the write flow asks too.)
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from textual.screen import Screen
from textual.worker import Worker

R = TypeVar("R")


class PushScreen(Protocol):
    """Show a modal screen; ``callback`` gets what it is dismissed with."""

    def __call__(self, screen: Screen[R], callback: Callable[[R | None], None], /) -> object: ...


class RunWorker(Protocol):
    """Run a coroutine in a worker the app tracks (failures reach on_worker_state_changed)."""

    def __call__(
        self,
        work: Coroutine[Any, Any, None],
        *,
        name: str,
        group: str,
        exit_on_error: bool = True,
        exclusive: bool = False,
    ) -> Worker[None]: ...
