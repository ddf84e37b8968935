"""A per-person brake: over 20 commands a minute, the rest is ignored, with one notice.

The counts live in memory, per process: a restart forgives everyone, which is fine
for a brake whose window is one minute.
"""

from __future__ import annotations

import time
from collections import deque

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.context import BuurtApplication, BuurtContext
from handlers.priority import THROTTLE

LIMIT = 20
WINDOW = 60.0


class Throttle:
    def __init__(self, limit: int = LIMIT, window: float = WINDOW) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        #: Updates let through lately: a failing update is tried again, and counts once.
        self._allowed: deque[int] = deque(maxlen=1000)

    def allow(self, user_id: int, now: float) -> bool:
        recent = self._seen.setdefault(user_id, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if not recent:
            self._warned.discard(user_id)
        if len(recent) >= self.limit:
            return False
        recent.append(now)
        if len(self._seen) > 10_000:  # forget people who went quiet
            for key in [k for k, v in self._seen.items() if not v or v[-1] <= now - self.window]:
                del self._seen[key]
        return True

    def braking(self, user_id: int, update_id: int, now: float) -> bool:
        """Whether `check` will ignore this update: asked before anything is done for it,
        so an ignored update costs no call to the messenger either (bot/facts.py)."""
        if update_id in self._allowed:
            return False
        recent = self._seen.get(user_id, ())
        return sum(1 for moment in recent if moment > now - self.window) >= self.limit

    def first_refusal(self, user_id: int) -> bool:
        if user_id in self._warned:
            return False
        self._warned.add(user_id)
        return True

    async def check(self, update: Update, context: BuurtContext) -> None:
        message, user = update.effective_message, update.effective_user
        is_command = bool(message and message.text and message.text.startswith("/"))
        if user is None or not (is_command or update.callback_query):
            return
        if update.update_id in self._allowed:
            return
        if self.allow(user.id, time.monotonic()):
            self._allowed.append(update.update_id)
            return
        if self.first_refusal(user.id):
            _ = context.gettext()
            if update.callback_query is not None:
                context.answer(update, _("Slow down a little, please: try again in a minute."))
            else:
                context.reply(update, _("Slow down a little, please: try again in a minute."))
        elif update.callback_query is not None:
            context.answer(update)
        raise ApplicationHandlerStop


def register(app: BuurtApplication) -> None:
    services = app.update_processor.services  # type: ignore[attr-defined]
    throttle = Throttle(services.config.limits.commands_per_minute)
    services.braking = lambda user_id, update_id: throttle.braking(
        user_id, update_id, time.monotonic()
    )
    app.add_handler(TypeHandler(Update, throttle.check), group=THROTTLE)
