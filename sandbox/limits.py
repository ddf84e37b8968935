"""Flood control with Telegram's published limits.

Telegram answers 429 "Too Many Requests: retry after N" when a bot sends more than about 30
messages per second overall or 20 per minute to one group. Off by default so ordinary tests
stay fast; switch it on to check that the bot's rate limiter really keeps it below the limits.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

# Calls that make or change a message and therefore count against the limits.
COUNTED_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendpoll",
        "editmessagetext",
        "editmessagereplymarkup",
    }
)


class FloodControl:
    """Sliding-window counters; ``check`` either admits a call or returns retry_after."""

    def __init__(
        self,
        *,
        enabled: bool = False,
        clock: Callable[[], float] = time.monotonic,
        per_second: int = 30,
        per_group_per_minute: int = 20,
    ) -> None:
        self.enabled = enabled
        self.clock = clock
        self.per_second = per_second
        self.per_group_per_minute = per_group_per_minute
        self.rejected = 0
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}

    def reset(self) -> None:
        self._overall.clear()
        self._groups.clear()

    def check(self, method: str, chat_id: object) -> int | None:
        """Record an admitted call, or return the seconds to wait (and count the 429)."""
        if not self.enabled or method.lower() not in COUNTED_METHODS:
            return None
        now = self.clock()
        windows = [(self._overall, 1.0, self.per_second)]
        if isinstance(chat_id, int) and chat_id < 0:  # groups and supergroups
            group = self._groups.setdefault(chat_id, deque())
            windows.append((group, 60.0, self.per_group_per_minute))
        waits = []
        for window, span, limit in windows:
            _prune(window, now - span)
            if len(window) >= limit:
                waits.append(window[0] + span - now)
        if waits:
            self.rejected += 1
            return max(1, math.ceil(max(waits)))
        for window, _, _ in windows:
            window.append(now)
        return None


def _prune(window: deque[float], horizon: float) -> None:
    while window and window[0] <= horizon:
        window.popleft()
