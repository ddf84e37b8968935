"""One transaction per update, updates of one chat in order, and each update once.

This is the single seam between Telegram's updates and our database: the
session is opened here, the update is taken from the inbox in it, and it is
committed when the handlers are done (rolled back when one of them failed).
Only then are the update's messages delivered.

A failing update is tried again, and parked after its last try, so it never
holds up the chat behind it. When the database itself is away, the update
stays in the inbox and the intake brings it back later.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.ext import Application, BaseUpdateProcessor

from bot import here
from bot.context import Services, UpdateScope
from bot.effects import AnswerPress, Passing
from bot.facts import NONE, Facts
from bot.locks import KeyedLocks
from models import deliveries, inbox
from models.database import is_outage

log = logging.getLogger(__name__)

#: Seconds between the tries of a failing update, times the try's number.
RETRY_PAUSE = 0.2


class Outcome(enum.Enum):
    DONE = "done"
    SKIPPED = "skipped"  # handled before: a duplicate
    FAILED = "failed"
    OUTAGE = "outage"  # the database is away; the update waits in the inbox


#: Updates PTB may hand us at once. Most of them wait for their chat's turn, which costs
#: nothing; the intake keeps the number in memory bounded (transports/telegram/intake.py).
WAITING_MAX = 100_000


class TransactionalProcessor(BaseUpdateProcessor):
    """Handles updates concurrently, with at most `max_concurrent_updates` at work at once.

    A slot is taken only once it is an update's turn in its chat, so a busy chat's queue
    holds no slots; and handling ends at the commit, while delivery waits on Telegram's
    budgets in the courier, so no slot waits for a group's 20 messages a minute.
    """

    def __init__(self, services: Services, bot: Bot, max_concurrent_updates: int = 64) -> None:
        super().__init__(WAITING_MAX)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self.services = services
        self._bot = bot
        #: Set by the app factory: a failed update is handled again through it.
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._scopes: dict[int, UpdateScope] = {}
        self._chats = KeyedLocks()
        #: Set by the app factory: asks the messenger what the update's flow needs to know.
        self.fetch_facts: Callable[[object], Awaitable[Facts]] | None = None

    def _braked(self, update: object) -> bool:
        """An update the throttle will ignore is not worth a question to the messenger."""
        braking, user = self.services.braking, getattr(update, "effective_user", None)
        if braking is None or user is None or not isinstance(update, Update):
            return False
        return braking(user.id, update.update_id)

    def scope_for(self, update: object) -> UpdateScope | None:
        return self._scopes.get(id(update))

    @contextlib.asynccontextmanager
    async def _in_order(self, chat_id: int | None) -> AsyncIterator[None]:
        """Serialise updates per chat so a join is handled before the message after it."""
        if chat_id is None:
            yield
            return
        async with self._chats.hold(chat_id):
            yield

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        intake = self.services.intake
        # Only an update that came through the inbox is taken from it, and tried again.
        update_id = (
            update.update_id
            if isinstance(update, Update) and intake is not None and intake.tracks(update.update_id)
            else None
        )
        async with self._in_order(chat.id if chat else None), self._slots:
            try:
                if update_id is None:
                    await self._handle(update, coroutine, None, final=True)
                    return
                for attempt in range(1, inbox.MAX_ATTEMPTS + 1):
                    if attempt > 1:
                        await asyncio.sleep(RETRY_PAUSE * attempt)
                        assert self.application is not None
                        coroutine = self.application.process_update(update)
                    final = attempt == inbox.MAX_ATTEMPTS
                    outcome = await self._handle(update, coroutine, update_id, final=final)
                    if outcome is not Outcome.FAILED:
                        return
            finally:
                if intake is not None and update_id is not None:
                    intake.finished(update_id)

    async def _handle(
        self, update: object, coroutine: Awaitable[Any], update_id: int | None, *, final: bool
    ) -> Outcome:
        # Asked in the chat's turn, before the transaction: none waits on the network.
        facts = (
            await self.fetch_facts(update)
            if self.fetch_facts is not None and not self._braked(update)
            else NONE
        )
        try:
            async with unit_of_work(self.services) as scope:
                scope.facts = facts
                if update_id is not None and not await inbox.begin(
                    scope.session, update_id, now=scope.now
                ):
                    if inspect.iscoroutine(coroutine):
                        coroutine.close()
                    return Outcome.SKIPPED
                scope.final = final
                chat = update.effective_chat if isinstance(update, Update) else None
                scope.here = await here.resolve(
                    scope.session,
                    chat.id if chat is not None else None,
                    private=chat is not None and chat.type == ChatType.PRIVATE,
                )
                self._scopes[id(update)] = scope
                try:
                    await coroutine
                finally:
                    del self._scopes[id(update)]
        except Exception as exc:
            if not is_outage(exc):
                raise
            return self._outage(update_id, exc)
        if not scope.failed:
            return Outcome.DONE
        if scope.error is not None and is_outage(scope.error):
            return self._outage(update_id, scope.error)
        if update_id is not None:
            await self._record_failure(update_id, scope.error, park=final)
        return Outcome.FAILED

    def _outage(self, update_id: int | None, exc: BaseException) -> Outcome:
        log.warning(
            "the database is unavailable (%s); update %s waits in the inbox",
            type(exc).__name__,
            update_id,
        )
        if self.services.intake is not None:
            self.services.intake.outage()
        return Outcome.OUTAGE

    async def _record_failure(
        self, update_id: int, error: BaseException | None, *, park: bool
    ) -> None:
        name = type(error).__name__ if error is not None else "unknown"
        try:
            async with self.services.session() as session:
                await inbox.failed(session, update_id, name, park=park)
                await session.commit()
        except Exception as exc:
            if not is_outage(exc):
                raise
            self._outage(update_id, exc)
            return
        if park:
            log.error(
                "update %s failed %s times (%s) and is parked", update_id, inbox.MAX_ATTEMPTS, name
            )

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


@contextlib.asynccontextmanager
async def unit_of_work(
    services: Services, now: datetime | None = None, *, deliver: bool = True
) -> AsyncIterator[UpdateScope]:
    """One transaction; its messages go out only once it has committed.

    Updates get theirs from the processor; scheduled jobs open their own.
    The messages are rows of this same transaction (see bot/outbox.py), so they
    are out, or still on their way, exactly when the change is committed.
    The clock is read once, here, unless the caller brings its moment (a round).
    `deliver=False`: the caller gives the committed rows (`scope.outbox.rows`) to the
    courier itself, to wait for them (a round's nudges).
    """
    courier = services.courier
    moment = now if now is not None else services.clock.now()
    async with services.session() as session:
        scope = UpdateScope(session, moment)
        try:
            yield scope
        except BaseException:
            await session.rollback()
            raise
        if scope.failed:
            await session.rollback()
            return
        rows = scope.outbox.rows
        if rows:
            # The lease is the courier's bookkeeping: it runs from the commit, not the event.
            await deliveries.add(session, rows, now=services.clock.now())
            if courier is not None:
                courier.claim(rows)
        try:
            await session.commit()
        except BaseException:
            if courier is not None:
                courier.release(rows)
            raise
    passing = scope.outbox.passing
    answers = [effect for effect in passing if isinstance(effect, AnswerPress)]
    later: list[Passing] = [e for e in passing if not isinstance(e, AnswerPress)]
    act = services.act
    if act is not None:
        for answer in answers:  # the presser hears first, then the chat sees the change
            await act(answer)
    if courier is not None:
        # Delivery waits on Telegram; handling is done.
        courier.hand_over(rows if deliver else [], later)
        return
    if act is not None:
        for effect in later:
            await act(effect)
