"""Updates come in here: stored first, acknowledged to Telegram after, handled from the store.

PTB's own updater acknowledges a batch (by asking for the next offset) before
any handler has run, so a crash would drop it. Here a batch is committed to the
inbox (models/inbox.py) before the next getUpdates, and a webhook call is
answered 200 only once its update is stored. Handling is done by the
processor, which takes each update from the inbox in its own transaction.

While the database is away, nothing is acknowledged: intake waits and tries
again, and Telegram keeps the updates meanwhile.

At most MAX_IN_FLIGHT updates are held in memory. Whatever is beyond that (a
backlog after a restart or an outage, a burst of webhook calls) waits in the
inbox, and is taken from there a page at a time, oldest first, as room frees.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import BadRequest, Conflict, InvalidToken, TelegramError

from bot.context import BuurtApplication, Services
from models import inbox
from models.database import is_outage

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
    Update.CHAT_MEMBER,
    Update.CHAT_JOIN_REQUEST,
    Update.POLL,
    Update.POLL_ANSWER,
]
#: Seconds of long polling per getUpdates.
POLL_TIMEOUT = 10
#: Waits between tries while the database or Telegram is away: doubling up to the maximum.
FIRST_WAIT = 0.5
MAX_WAIT = 30.0
#: How often the inbox is looked at anyway (e.g. for updates `buurtbot inbox retry` freed).
RECHECK_EVERY = 30.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Updates queued but not yet handled, at which intake takes no more: a burst stays in
#: the inbox (and at Telegram) instead of in memory.
MAX_IN_FLIGHT = 500


def telegram_hiccup(exc: Exception) -> bool:
    """No answer, a 5xx or a 429: worth asking again. A bad token, 409 or 400 is not."""
    return isinstance(exc, TelegramError) and not isinstance(
        exc, InvalidToken | Conflict | BadRequest
    )


async def patiently(
    call: Callable[[], Awaitable[object]],
    what: str,
    passing: Callable[[Exception], bool] = telegram_hiccup,
) -> None:
    """Something the bot cannot go on without: a passing failure is waited out, others raise."""
    wait = FIRST_WAIT
    while True:
        try:
            await call()
            return
        except Exception as exc:
            if not passing(exc):
                raise
            log.warning("%s failed (%s); trying again in %.1f s", what, type(exc).__name__, wait)
        await asyncio.sleep(wait)
        wait = min(wait * 2, MAX_WAIT)


class Intake:
    def __init__(self, app: BuurtApplication, services: Services) -> None:
        self._app = app
        self._services = services
        self._in_flight: set[int] = set()
        #: After an outage everything comes from the inbox, so each chat stays in order.
        self._recovering = False
        self._wake = asyncio.Event()
        self._room = asyncio.Event()  # set when polling may fetch more
        self._tasks: list[asyncio.Task[None]] = []
        self._site: Any = None  # aiohttp's AppRunner, in webhook mode
        #: Set when the bot cannot go on (the reason is in services.fatal).
        self.stopped = asyncio.Event()

    @property
    def in_flight(self) -> int:
        """Updates queued for handling and not finished yet: what intake holds in memory."""
        return len(self._in_flight)

    def tracks(self, update_id: int) -> bool:
        """The update came through the inbox, so the processor must take it from there."""
        return update_id in self._in_flight

    def finished(self, update_id: int) -> None:
        self._in_flight.discard(update_id)
        if self._room_for() > 0:
            self._room.set()

    def _room_for(self) -> int:
        """How many more updates may be queued now."""
        return MAX_IN_FLIGHT - len(self._in_flight)

    async def _until_room(self) -> None:
        while self._room_for() <= 0:
            self._room.clear()
            await self._room.wait()

    def outage(self) -> None:
        """The processor could not reach the database: bring the inbox back once it can."""
        self._recovering = True
        self._wake.set()

    async def start(self, poll_timeout: int = POLL_TIMEOUT) -> None:
        """Unfinished updates first, then new ones: until the inbox is caught up, new ones
        are stored and wait their turn there."""
        self._recovering = True
        self._wake.set()
        self._tasks.append(
            asyncio.create_task(self._guarded(self._recovery()), name="inbox recovery")
        )
        if self._services.config.telegram_settings().mode == "webhook":
            await self._serve_webhook()
        else:
            await patiently(self._app.bot.delete_webhook, "deleteWebhook")
            self._tasks.append(
                asyncio.create_task(self._guarded(self._polling(poll_timeout)), name="polling")
            )

    async def _guarded(self, work: Awaitable[None]) -> None:
        """Intake that died would leave a bot that looks alive and hears nothing: stop it."""
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("intake failed")
            self._fatal("intake failed unexpectedly (see the log above); restart the bot")

    async def stop(self) -> None:
        if self._site is not None:
            await self._site.cleanup()
            self._site = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def accept(self, updates: Sequence[Update]) -> None:
        """Store updates, then queue them; raises if the database could not take them."""
        arrivals = [
            inbox.Arrival(
                update.update_id,
                update.effective_chat.id if update.effective_chat else None,
                json.dumps(update.to_dict(), ensure_ascii=False),
            )
            for update in updates
        ]
        async with self._services.session() as session:
            await inbox.store(session, arrivals, now=self._services.clock.now())
            await session.commit()
        if self._recovering or len(updates) > self._room_for():
            self._recovering = True  # the inbox holds them until there is room
            self._wake.set()
            return
        for update in updates:
            await self._queue(update)

    async def _queue(self, update: Update) -> None:
        if update.update_id in self._in_flight:
            return
        self._in_flight.add(update.update_id)
        await self._app.update_queue.put(update)

    async def _recover(self) -> None:
        """Queue every stored update that is not handled yet, oldest first, a page at a
        time: never more in memory than MAX_IN_FLIGHT, however long the backlog."""
        after = -1
        while True:
            await self._until_room()
            room = self._room_for()
            async with self._services.session() as session:
                rows = await inbox.pending(session, after, limit=room)
            for row in rows:
                assert row.payload is not None
                await self._queue(Update.de_json(json.loads(row.payload), self._app.bot))
            if not rows:
                return
            after = rows[-1].update_id

    async def _recovery(self) -> None:
        wait = FIRST_WAIT
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), RECHECK_EVERY)
            self._wake.clear()
            try:
                await self._recover()
            except Exception as exc:
                if not is_outage(exc):
                    log.exception("the inbox could not be read")
                else:
                    log.warning("the inbox cannot be read (%s); trying again", type(exc).__name__)
                await asyncio.sleep(wait)
                wait = min(wait * 2, MAX_WAIT)
                self._wake.set()
                continue
            wait = FIRST_WAIT
            if not self._wake.is_set():  # else more was stored meanwhile, to be taken first
                self._recovering = False

    async def _polling(self, poll_seconds: int) -> None:
        offset: int | None = None
        wait = FIRST_WAIT
        while True:
            await self._until_room()
            try:
                updates = await self._app.bot.get_updates(
                    offset=offset, timeout=poll_seconds, allowed_updates=ALLOWED_UPDATES
                )
            except Conflict:
                return self._fatal(
                    "another bot process is using this token (Telegram answered 409 Conflict); "
                    "stop the other one, or give each bot its own token"
                )
            except InvalidToken:
                return self._fatal("Telegram no longer accepts the token")
            except TelegramError as exc:  # no answer, 5xx, 429: Telegram keeps the updates
                log.warning("getUpdates failed (%s); trying again", type(exc).__name__)
                await asyncio.sleep(wait)
                wait = min(wait * 2, MAX_WAIT)
                continue
            wait = FIRST_WAIT
            if not updates:
                continue
            # While the database is away nothing is acknowledged: Telegram keeps the updates.
            await patiently(functools.partial(self.accept, updates), "storing updates", is_outage)
            # Only the next getUpdates, with this offset, tells Telegram that we have them.
            offset = updates[-1].update_id + 1

    def _fatal(self, reason: str) -> None:
        self._services.fatal = reason
        self.stopped.set()

    async def _serve_webhook(self) -> None:
        from aiohttp import web  # only here: 10 MB that polling does not need

        webhook = self._services.config.telegram_settings().webhook
        assert webhook.url is not None and webhook.secret_token is not None  # the config insists
        secret = webhook.secret_token.get_secret_value()
        path = urlsplit(webhook.url).path or "/"

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                return web.Response(status=403)
            try:
                data: Any = await request.json()
                update = Update.de_json(data, self._app.bot)
            except (ValueError, TypeError, KeyError, AttributeError):
                return web.Response(status=400)
            try:
                await self.accept([update])
            except Exception as exc:
                if not is_outage(exc):
                    raise
                # Telegram tries again later; nothing was acknowledged.
                log.warning("the database is unavailable (%s); update refused", type(exc).__name__)
                return web.Response(status=503)
            return web.Response()

        server = web.Application()
        server.router.add_post(path, receive)
        runner = web.AppRunner(server, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, webhook.listen, webhook.port).start()
        self._site = runner
        url = webhook.url
        await patiently(
            lambda: self._app.bot.set_webhook(
                url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            ),
            "setWebhook",
        )
