"""Telegram's 30 messages a second, shared so that residents never queue behind a round.

PTB's AIORateLimiter, with two changes:

- `messages_per_second` is what any one-second window may hold, and the pace runs a
  fifth of a message below it, with that fifth as room in the bucket. With a bucket
  of exactly one message every timer that wakes late on a busy event loop is time
  lost for good (a round of 1,000 nudges went out at 28.3 a second against a pace of
  29); the room lets the next message catch up, and the window still never holds
  more than `messages_per_second` (a bucket of one and a half at full pace gave 30,
  and with the jitter of a busy loop, 429s).
- Only messages count against a group's 20 a minute. PTB's limiter counts every call
  that names a group (getChatMember too), so a lookup a command needs would wait for
  the group's budget while the update holds its place in the processor.
- Background work (the scheduler's nudges) lets residents' messages go first. The
  bucket (aiolimiter) wakes its waiters smallest request first, so background work
  asks for a hair more than one message: a resident's reply then waits for the
  message being paced now at most, never behind a queue of nudges.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

#: Messages the bucket holds: one, and room to catch up a late wake (see above).
BURST = 1.1

#: What background work asks of the bucket: more than 1, and less than BURST.
BACKGROUND_AMOUNT = 1.000001

#: The calls that put a message in a chat, or change one: what Telegram's limits count.
MESSAGES = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendPoll",
        "editMessageText",
        "editMessageReplyMarkup",
        "stopPoll",
    }
)

#: What a Bot API call answers, as PTB types it.
Answer = bool | dict[str, Any] | list[dict[str, Any]]

#: Set by work that may wait for residents' messages to go first.
background: contextvars.ContextVar[bool] = contextvars.ContextVar("background", default=False)


class _Lanes(AsyncLimiter):
    """The overall bucket: a hair more for background work puts it behind the rest."""

    async def __aenter__(self) -> None:
        await self.acquire(BACKGROUND_AMOUNT if background.get() else 1.0)


class Pacing(AIORateLimiter):
    def __init__(self, per_second: float, max_retries: int) -> None:
        pace = per_second - (BURST - 1)  # in any second: the pace plus the room
        super().__init__(
            overall_max_rate=BURST, overall_time_period=BURST / pace, max_retries=max_retries
        )
        # PTB makes the overall bucket itself; ours is the same but for its two lanes.
        assert isinstance(self._base_limiter, AsyncLimiter)
        self._base_limiter = _Lanes(BURST, BURST / pace)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Answer]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Answer:
        """Lookups and admin calls skip the per-group bucket; the overall one still holds."""
        if endpoint not in MESSAGES and "chat_id" in data:
            data = {key: value for key, value in data.items() if key != "chat_id"}
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
