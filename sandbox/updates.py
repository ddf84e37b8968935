"""The update queue behind getUpdates, with Telegram's long-polling semantics.

Updates stay queued until the bot acknowledges them with a higher ``offset``; handing them
out does not remove them. A client that drops a long poll therefore loses nothing: the next
getUpdates with the same offset gets the same updates again, exactly as with Telegram.
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import ApiError
from sandbox.notify import Notifier

Update = dict[str, Any]

# What Telegram delivers when allowed_updates is unset or empty.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    """Pending updates plus the long-poll state Telegram keeps per bot."""

    def __init__(self, notifier: Notifier) -> None:
        self._pending: list[Update] = []
        self._next_id = 1
        self._notifier = notifier
        self._poll_generation = 0
        self.allowed_updates: list[str] = []  # remembered across calls, as Telegram does
        self.closed = False

    @property
    def pending(self) -> list[Update]:
        """Updates not yet acknowledged by the bot (copies are not made: do not mutate)."""
        return list(self._pending)

    def put(self, kind: str, payload: dict[str, Any]) -> Update:
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self._pending.append(update)
        self._notifier.notify()
        return update

    def drop_all(self) -> None:
        self._pending.clear()
        self._notifier.notify()

    def close(self) -> None:
        """Release every waiting long poll; used on shutdown."""
        self.closed = True
        self._notifier.notify()

    def wants(self, update: Update) -> bool:
        kind = next(key for key in update if key != "update_id")
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in NOT_BY_DEFAULT

    def acknowledge(self, offset: int) -> None:
        before = len(self._pending)
        if offset < 0:
            self._pending = self._pending[offset:]
        elif offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        if len(self._pending) != before:
            self._notifier.notify()

    async def get(
        self, offset: int, limit: int, wait: float, allowed: list[str] | None
    ) -> list[Update]:
        """One getUpdates call: acknowledge, then wait up to ``wait`` seconds for news."""
        if allowed is not None:
            self.allowed_updates = list(allowed)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notifier.notify()  # an older poll still waiting must give way (409 below)
        self.acknowledge(offset)
        limit = min(max(limit, 1), 100)

        def ready() -> bool:
            self._drop_unwanted()
            return bool(self._pending) or self.closed or generation != self._poll_generation

        await self._notifier.wait_until(ready, max(wait, 0.0))
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one "
                "bot instance is running",
            )
        return self._pending[:limit]

    def _drop_unwanted(self) -> None:
        # Telegram never creates updates the bot did not ask for; dropping them when polled
        # is the closest equivalent that still honours a filter set by the first poll.
        wanted = [u for u in self._pending if self.wants(u)]
        if len(wanted) != len(self._pending):
            self._pending = wanted
            self._notifier.notify()

    async def idle(self, seconds: float) -> bool:
        """True once every queued update was acknowledged by the bot."""
        return await self._notifier.wait_until(lambda: not self._pending, seconds)
