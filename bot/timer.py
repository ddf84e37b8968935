"""The shell's own timer: the scheduler's round, and one-off wake-ups.

Not PTB's JobQueue, so the shell runs without any messenger's library. A chore is
a plain coroutine function that opens its own transactions; what is due is always
read from the database, so a wake-up that comes late or twice does no harm, and
one lost in a restart is stored work that the next start finds (see
handlers/linking.py). Time of day comes from the clock; this only waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Chore = Callable[[], Awaitable[object]]


class Timer:
    def __init__(self) -> None:
        self._tasks: dict[asyncio.Task[None], str] = {}
        #: Chores asked for before the start: they wait for it.
        self._waiting: list[tuple[float, float | None, Chore, str]] = []
        self._running = False

    def once(self, seconds: float, chore: Chore, name: str) -> None:
        """Run `chore` once, `seconds` from now (from the start, if not started yet)."""
        self._add(seconds, None, chore, name)

    def every(self, seconds: float, chore: Chore, name: str, *, first: float) -> None:
        """Run `chore` `first` seconds from now, then `seconds` after each run has ended."""
        self._add(first, seconds, chore, name)

    def _add(self, first: float, every: float | None, chore: Chore, name: str) -> None:
        if not self._running:
            self._waiting.append((first, every, chore, name))
            return
        task = asyncio.create_task(self._run(first, every, chore, name), name=name)
        self._tasks[task] = name
        task.add_done_callback(self._tasks.pop)

    def start(self) -> None:
        self._running = True
        waiting, self._waiting = self._waiting, []
        for first, every, chore, name in waiting:
            self._add(first, every, chore, name)

    def cancel(self, name: str) -> None:
        """Stop the chores of this name, e.g. a test's round that it runs itself."""
        for task, named in list(self._tasks.items()):
            if named == name:
                task.cancel()
        self._waiting = [entry for entry in self._waiting if entry[3] != name]

    def names(self) -> list[str]:
        return [*self._tasks.values(), *(entry[3] for entry in self._waiting)]

    async def stop(self) -> None:
        self._running = False
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, first: float, every: float | None, chore: Chore, name: str) -> None:
        await asyncio.sleep(max(first, 0.0))
        while True:
            try:
                await chore()
            except asyncio.CancelledError:
                raise
            except Exception:  # logged, and the round comes again: one failure stops nothing
                log.exception("the %s failed", name)
            if every is None:
                return
            await asyncio.sleep(every)
