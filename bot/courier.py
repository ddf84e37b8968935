"""Gets the outbox's rows out: right after their commit, and later until they are out.

Per chat, rows go in the order they were written. A row the messenger could not take
yet (no answer, a 5xx, a 429) is tried again with backoff, and the rows behind
it for that chat wait, so a card never arrives before the message it follows.
A row the messenger refuses (400, 403) is dropped: sending it again cannot help.

A row marked at most once (a nudge) has its try recorded before the call. When
nobody can say how the call went (no answer, a lost connection, or the process
stopped during it), the row is settled as perhaps sent, and never tried again;
only an answer that says it was surely not taken (a 429, a migrated group) lets it
be tried once more.

The courier knows no messenger: the app gives it a `perform` that makes a row's call
and says how it went (a `Delivery`), and the receipts that say what a sent row means.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.delivery import Delivery, Dropped, Moved, NotModified, Refused, RetryAfter, Sent, Unknown
from bot.effects import Act, Passing
from bot.locks import KeyedLocks
from bot.logs import chat_in_log
from bot.outbox import ONCE, Kind
from bot.receipts import Receipts
from models import deliveries
from models.entities import OutboxMessage

log = logging.getLogger(__name__)

#: Seconds before the first retry; it doubles with each failure, up to the maximum.
BACKOFF = 1.0
MAX_BACKOFF = 300.0
#: Rows of one chat read at a time.
BATCH = 50
#: How often waiting rows are looked for.
SWEEP_EVERY = 1.0
#: Chats served at once by a sweep. The rate limiter does the pacing; this only bounds
#: the work in flight. It must not be small: a group chat gets 20 messages a minute, and a
#: chat waiting for its turn there must not keep the other chats waiting too.
SWEEP_CONCURRENCY = 64
#: Messages whose shown text and buttons are remembered, most recent first.
SHOWN = 10_000
#: Rows this process delivered but could not yet delete, remembered so they are not sent
#: again while the database refuses writes.
DELIVERED_MAX = 10_000

#: The key of an at-most-once row's params that counts its tries surely not taken.
DECLINED = "declined"

#: Digests of a message's text and buttons as the bot last set them (None: text unknown):
#: a fixed 16 bytes each, however long the message.
Shown = tuple[bytes | None, bytes | None]

#: Makes a row's call, once; the transport's, with its client bound by the app factory.
Perform = Callable[[OutboxMessage], Awaitable[Delivery]]
#: How a row ended: delivered (or given up on) as the messenger said.
Settled = Sent | Refused | NotModified | Dropped


class Courier:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        perform: Perform,
        act: Act,
        receipts: Receipts,
        clock: Clock,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._perform = perform
        self._act = act
        self._receipts = receipts
        #: The services' clock: when a retry is due, and when a nudge went out.
        self._clock = clock
        self._chats = KeyedLocks()
        #: Chats with a row waiting for a retry: new rows queue behind it.
        self._held: set[int] = set()
        #: Held chats that got fresh rows meanwhile: the sweep serving them looks again.
        self._skipped: set[int] = set()
        #: Rows being sent by this process right now.
        self._in_flight: set[int] = set()
        #: Rows the messenger has, whose deletion failed (a full disk, a read-only database).
        self._delivered: OrderedDict[int, Settled] = OrderedDict()
        #: Deliveries handed over by finished updates, still waiting on the messenger.
        self._handed_over: set[asyncio.Task[None]] = set()
        #: What recent messages show: an edit that would change nothing is not sent, since
        #: Telegram refuses it (a double tap on Cancel, a page turned to the page shown).
        self._shown: OrderedDict[tuple[int, int], Shown] = OrderedDict()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Rows left by a previous run go first, without waiting for their lease."""
        async with self._sessionmaker() as session:
            self._held.update(await deliveries.chats_waiting(session))
        self._task = asyncio.create_task(self._sweeping(), name="outbox sweeper")

    async def stop(self) -> None:
        """Stop sending at once: what is not out yet stays in the outbox for the next start."""
        tasks = [*self._handed_over, *([self._task] if self._task else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None

    def hand_over(self, rows: list[OutboxMessage], then: list[Passing]) -> None:
        """Deliver committed rows, then run `then`, without the update waiting for it.

        An update is done at its commit: waiting here for a group's 20 messages a
        minute would hold its place in the processor, and keep everyone else waiting.
        """
        if not rows and not then:
            return
        task = asyncio.create_task(self._deliver_then(rows, then), name="delivery")
        self._handed_over.add(task)
        task.add_done_callback(self._handed_over.discard)

    async def _deliver_then(self, rows: list[OutboxMessage], then: list[Passing]) -> None:
        try:
            await self.deliver(rows)
        except Exception:  # the rows are committed: the sweep takes them from here
            log.exception("a delivery failed; the outbox sweep retries it")
        for action in then:
            await self._act(action)

    def claim(self, rows: list[OutboxMessage]) -> None:
        """Rows about to be committed are this process's to send; no sweep may take them."""
        self._in_flight.update(row.id for row in rows)

    def release(self, rows: list[OutboxMessage]) -> None:
        """They were never committed after all."""
        self._in_flight.difference_update(row.id for row in rows)

    async def deliver(self, rows: list[OutboxMessage]) -> None:
        """Send freshly committed rows now; a chat that is held back leaves them to the sweep."""
        try:
            for row in rows:
                if row.chat_id in self._held:
                    self._skipped.add(row.chat_id)
                    continue
                async with self._chats.hold(row.chat_id):
                    if row.chat_id in self._held:
                        self._skipped.add(row.chat_id)
                    elif not await self._send(row):
                        self._held.add(row.chat_id)
        finally:
            self.release(rows)

    async def sweep(self, *, ignore_lease: bool = False) -> None:
        """Send what waits: retries whose time came, and rows a stopped process left."""
        now = self._clock.now()
        async with self._sessionmaker() as session:
            chats = set(await deliveries.chats_due(session, now)) | self._held
        gate = asyncio.Semaphore(SWEEP_CONCURRENCY)

        async def serve(chat_id: int) -> None:
            async with gate, self._chats.hold(chat_id):
                await self._serve_chat(chat_id, now, ignore_lease)

        await asyncio.gather(*(serve(chat_id) for chat_id in chats))

    async def _serve_chat(self, chat_id: int, now: datetime, ignore_lease: bool) -> None:
        """Send a held chat's rows in order, until none are left or one must wait.

        Rows written meanwhile by this process were left to this sweep (see deliver), so
        it looks again before it lets the chat go: they never wait for a lease.
        """
        while True:
            self._skipped.discard(chat_id)
            async with self._sessionmaker() as session:
                rows = await deliveries.of_chat(session, chat_id, BATCH)
            if rows:
                first = rows[0]
                if first.attempts and first.next_attempt_at > now and not ignore_lease:
                    return  # the first row's retry is not due yet
            fresh = [row for row in rows if row.id not in self._delivered]
            for row in rows:
                if row.id in self._in_flight:
                    return  # the process that wrote it is sending it right now
                if not await self._send(row):
                    self._held.add(chat_id)
                    return
            if any(row.id in self._delivered for row in rows):
                if not fresh:
                    return  # only bookkeeping left, and the database refuses it: later
                continue
            if len(rows) < BATCH and chat_id not in self._skipped:
                self._held.discard(chat_id)
                return

    async def _sweeping(self) -> None:
        first = True
        while True:
            try:
                await self.sweep(ignore_lease=first)
                first = False
            except (SQLAlchemyError, OSError) as exc:
                log.warning("the outbox cannot be read (%s); trying again", type(exc).__name__)
            except Exception:
                log.exception("the outbox sweep failed; trying again")
            await asyncio.sleep(SWEEP_EVERY)

    async def _send(self, row: OutboxMessage) -> bool:
        """Try one row; True when it is finished with (delivered, or refused for good)."""
        if row.id in self._delivered:  # it is out: only its bookkeeping is left to do
            return await self._finish(row, self._delivered[row.id])
        target, shown = _effect(row)
        if target is not None and self._shows(target, shown):
            return await self._finish(row, NotModified())
        once = _once(row)
        if once is not None:
            if row.attempts > once:  # tried, and nobody heard how it went: perhaps it is out
                log.info("outbox row %s was tried before and is not sent again", row.id)
                return await self._finish(row, Sent())
            if not await self._attempting(row):
                return True  # another process tries it: it is not ours to send
        delivery = await self._perform(row)
        match delivery:
            case RetryAfter(seconds):
                await self._postpone(row, seconds, declined=once is not None)
                return False
            case Moved(chat_id):  # its rows go there now
                if once is not None:  # it was surely not taken: it may be tried there
                    await self._postpone(row, 0.0, declined=True)
                await self._follow(row.chat_id, chat_id)
                return False
            case Unknown() if once is not None:
                log.info("outbox row %s may have come through; it is not sent again", row.id)
                return await self._finish(row, Sent())
            case Unknown():  # it may come through later
                await self._postpone(row, min(MAX_BACKOFF, BACKOFF * 2**row.attempts))
                return False
            case Sent(message_id):
                self._note_shown(row, target, shown, message_id)
        return await self._finish(row, delivery)

    def _note_shown(
        self,
        row: OutboxMessage,
        target: tuple[int, int] | None,
        shown: Shown,
        message_id: int | None,
    ) -> None:
        if target is None and message_id is not None and shown[1] is not None:
            target = (row.chat_id, message_id)  # only messages with buttons are edited
        if target is not None:
            if shown[0] is None and target in self._shown:  # buttons off: the text stays
                shown = (self._shown[target][0], shown[1])
            self._shown[target] = shown
            self._shown.move_to_end(target)
            if len(self._shown) > SHOWN:
                self._shown.popitem(last=False)

    def _shows(self, target: tuple[int, int], shown: Shown) -> bool:
        """Whether the message already shows this, as far as this process knows."""
        before = self._shown.get(target)
        if before is None:
            return False
        text, markup = shown
        return (text is None or text == before[0]) and markup == before[1]

    async def _finish(self, row: OutboxMessage, settled: Settled) -> bool:
        """Forget the row and record what its sending means, in one transaction.

        When the database will not take that, the row is remembered as delivered: this
        process never sends it again, later rows still go, and the sweep keeps trying
        the bookkeeping (the chat stays held for it). True either way: it is out.
        """
        follow: list[OutboxMessage] = []
        try:
            async with self._sessionmaker() as session:
                if await deliveries.delivered(session, row.id):
                    follow = await self._settle(session, row, settled)
                if follow:
                    await deliveries.add(session, follow, now=self._clock.now())
                    self.claim(follow)
                await session.commit()
        except (SQLAlchemyError, OSError) as exc:
            self.release(follow)
            log.warning(
                "outbox row %s was delivered but cannot be deleted yet (%s)",
                row.id,
                type(exc).__name__,
            )
            self._delivered[row.id] = settled
            self._delivered.move_to_end(row.id)
            if len(self._delivered) > DELIVERED_MAX:
                self._delivered.popitem(last=False)
            self._held.add(row.chat_id)
            return True
        self._delivered.pop(row.id, None)
        self.hand_over(follow, [])
        return True

    async def _settle(
        self, session: AsyncSession, row: OutboxMessage, settled: Settled
    ) -> list[OutboxMessage]:
        """Record what the row's end means, through its receipt; the rows that follow."""
        receipt = self._receipts.of(row)
        settling = self._receipts.settling(session, self._clock.now())
        match settled:
            case Sent(link=str(link)) if receipt is not None:
                await receipt.made(settling, link)
            case Sent(message_id) if receipt is not None:
                await receipt.sent(settling, message_id)
            case Refused():
                # A refused DM: they blocked the bot, or never started it. (`chat_id > 0` is
                # Telegram's way to tell a DM; the place will say it once it is known here.)
                if row.kind == Kind.SEND and row.chat_id > 0:
                    await deliveries.unreachable(session, row.chat_id)
                if receipt is not None:
                    await receipt.refused(settling)
        return settling.outbox.rows

    async def _follow(self, old_chat_id: int, new_chat_id: int) -> None:
        """Move a migrated group's waiting rows to its supergroup, and serve it next."""
        async with self._sessionmaker() as session:
            await deliveries.move_chat(session, old_chat_id, new_chat_id)
            await session.commit()
        self._held.add(new_chat_id)
        log.info(
            "%s became %s; its outbox follows", chat_in_log(old_chat_id), chat_in_log(new_chat_id)
        )

    async def _attempting(self, row: OutboxMessage) -> bool:
        """Record a try of an at-most-once row before it is made; False: not ours to make."""
        async with self._sessionmaker() as session:
            ours = await deliveries.attempting(session, row.id, row.attempts)
            await session.commit()
        if ours:
            row.attempts += 1
        return ours

    async def _postpone(
        self, row: OutboxMessage, seconds: float, *, declined: bool = False
    ) -> None:
        """Try again later; `declined`: the messenger surely did not take this try."""
        row.attempts += 1
        row.next_attempt_at = self._clock.now() + timedelta(seconds=seconds)
        params = None
        if declined:  # the tries so far are accounted for: the next one may be made
            row.params = json.dumps(
                {**json.loads(row.params), DECLINED: row.attempts}, ensure_ascii=False
            )
            params = row.params
        async with self._sessionmaker() as session:
            await deliveries.postpone(session, row.id, row.next_attempt_at, params)
            await session.commit()


def _effect(row: OutboxMessage) -> tuple[tuple[int, int] | None, Shown]:
    """The message a row changes (None for a new one or no message) and what it will show."""
    if row.kind not in (Kind.SEND, Kind.EDIT, Kind.BUTTONS_OFF):
        return None, (None, None)
    p = json.loads(row.params)
    offered = p.get("choices") or p.get("markup")  # rows from before choices: PTB's markup
    markup = json.dumps(offered, sort_keys=True) if offered else None
    target = (row.chat_id, p["message_id"]) if row.kind != Kind.SEND else None
    return target, (_digest(p.get("text")), _digest(markup))


def _once(row: OutboxMessage) -> int | None:
    """For a row sent at most once, how many of its tries were surely not taken; else None."""
    try:
        p = json.loads(row.params)
    except ValueError:
        return None  # no call can be made of it: the transport drops it
    return int(p.get(DECLINED, 0)) if isinstance(p, dict) and p.get(ONCE) else None


def _digest(value: str | None) -> bytes | None:
    return None if value is None else hashlib.blake2b(value.encode(), digest_size=16).digest()
