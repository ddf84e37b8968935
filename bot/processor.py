"""One transaction per update, and updates of one chat handled in order.

This is the single seam between Telegram's updates and our database: the
session is opened here, committed when the handlers are done (rolled back when
one of them failed), and only then are the update's messages delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from telegram import Bot, Update
from telegram.ext import BaseUpdateProcessor

from bot.context import Services, UpdateScope

log = logging.getLogger(__name__)


class TransactionalProcessor(BaseUpdateProcessor):
    def __init__(self, services: Services, bot: Bot, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self.services = services
        self._bot = bot
        self._scopes: dict[int, UpdateScope] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._chat_waiters: dict[int, int] = {}

    def scope_for(self, update: object) -> UpdateScope | None:
        return self._scopes.get(id(update))

    @contextlib.asynccontextmanager
    async def _in_order(self, chat_id: int | None) -> AsyncIterator[None]:
        """Serialise updates per chat so a join is handled before the message after it."""
        if chat_id is None:
            yield
            return
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        self._chat_waiters[chat_id] = self._chat_waiters.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._chat_waiters[chat_id] -= 1
            if not self._chat_waiters[chat_id]:
                del self._chat_waiters[chat_id]
                del self._chat_locks[chat_id]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        async with (
            self._in_order(chat.id if chat else None),
            unit_of_work(self.services, self._bot) as scope,
        ):
            self._scopes[id(update)] = scope
            try:
                await coroutine
            finally:
                del self._scopes[id(update)]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


@contextlib.asynccontextmanager
async def unit_of_work(services: Services, bot: Bot) -> AsyncIterator[UpdateScope]:
    """One transaction; its messages go out only once it has committed.

    Updates get theirs from the processor; scheduled jobs open their own.
    """
    sessionmaker = services.sessionmaker
    if sessionmaker is None:
        raise RuntimeError("the database is not started; post_init has not run")
    async with sessionmaker() as session:
        scope = UpdateScope(session)
        try:
            yield scope
        except BaseException:
            await session.rollback()
            raise
        if scope.failed:
            await session.rollback()
        else:
            await session.commit()
    if scope.failed:
        return
    sent = await scope.outbox.deliver(bot)
    if sent:
        async with sessionmaker() as session:
            for remember, message_id in sent:
                await remember(session, message_id)
            await session.commit()
