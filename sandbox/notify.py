"""Wake-ups for code that waits on world changes (long polls, test helpers).

A fresh :class:`asyncio.Event` per generation avoids lost wake-ups without binding any
event to a loop at construction time, so a Sandbox may be created outside a running loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class Notifier:
    """Broadcast "something changed"; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait_until(self, predicate: Callable[[], bool], seconds: float) -> bool:
        """Wait until ``predicate()`` holds; return False if ``seconds`` pass first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            if self._event is None:
                self._event = asyncio.Event()
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
        return True
