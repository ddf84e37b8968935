"""The update queue behind getUpdates, with Telegram's long-polling semantics.

Updates stay queued until the bot acknowledges them with a higher ``offset``; handing them
out does not remove them. A client that drops a long poll therefore loses nothing: the next
getUpdates with the same offset gets the same updates again, exactly as with Telegram.

``allowed_updates`` works as Telegram documents it: the setting applies when an update is
*created* and "doesn't affect updates created before the call", so an update the bot did not
want at that moment is never created, and one created earlier is still delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sandbox.errors import ApiError
from sandbox.notify import Notifier

Update = dict[str, Any]

# What Telegram delivers while allowed_updates is unset or was set to an empty list.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    """Pending updates plus the long-poll state Telegram keeps per bot."""

    def __init__(self, notifier: Notifier) -> None:
        self._pending: list[Update] = []
        self._next_id = 1
        self._notifier = notifier
        self._poll_generation = 0
        self._waiting_polls = 0
        self.allowed_updates: list[str] = []  # empty: Telegram's default set
        self.closed = False

    @property
    def pending(self) -> list[Update]:
        """A copy of the updates not yet acknowledged by the bot."""
        return list(self._pending)

    @property
    def polling(self) -> bool:
        """Whether a getUpdates long poll is waiting for news right now."""
        return self._waiting_polls > 0

    def set_allowed(self, allowed: Sequence[str] | None) -> None:
        """Remember a getUpdates/setWebhook filter; None keeps the current one."""
        if allowed is not None:
            self.allowed_updates = list(allowed)

    def wants(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in NOT_BY_DEFAULT

    def put(self, kind: str, payload: dict[str, Any]) -> Update | None:
        """Create an update, unless the bot's current allowed_updates excludes its kind."""
        if not self.wants(kind):
            return None
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

    def acknowledge(self, offset: int) -> None:
        before = len(self._pending)
        if offset < 0:
            self._pending = self._pending[offset:]
        elif offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        if len(self._pending) != before:
            self._notifier.notify()

    async def get(
        self, offset: int, limit: int, wait: float, allowed: Sequence[str] | None
    ) -> list[Update]:
        """One getUpdates call: acknowledge, then wait up to ``wait`` seconds for news."""
        self.set_allowed(allowed)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notifier.notify()  # an older poll still waiting must give way (409 below)
        self.acknowledge(offset)
        limit = min(max(limit, 1), 100)

        def ready() -> bool:
            return bool(self._pending) or self.closed or generation != self._poll_generation

        if wait > 0 and not ready():
            self._waiting_polls += 1
            self._notifier.notify()  # Sandbox.wait_polling() looks for this
            try:
                await self._notifier.wait_until(ready, wait)
            finally:
                self._waiting_polls -= 1
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one "
                "bot instance is running",
            )
        return self._pending[:limit]

    async def idle(self, seconds: float) -> bool:
        """True once every queued update was acknowledged by the bot."""
        return await self._notifier.wait_until(lambda: not self._pending, seconds)

    async def wait_polling(self, seconds: float) -> bool:
        """True once a long poll is waiting, so its allowed_updates are in force."""
        return await self._notifier.wait_until(lambda: self.polling, seconds)
