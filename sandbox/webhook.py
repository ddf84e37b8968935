"""Pushing updates to a webhook, as Telegram does once setWebhook is called.

Telegram POSTs each update as JSON, with the secret token in the
X-Telegram-Bot-Api-Secret-Token header, and keeps an update until the bot
answers with a 2xx; anything else is retried later. Updates go out one at a
time here, so the bot sees them in order.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp

from sandbox.world import World

RETRY_SECONDS = 0.2


class WebhookPusher:
    """Delivers queued updates to ``world.webhook_url`` while one is set."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.failures = 0  # non-2xx answers and unreachable webhooks, for tests
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._task = asyncio.create_task(self._run(), name="sandbox webhook pusher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        world = self.world
        while True:
            await world.notifier.wait_until(
                lambda: bool(world.webhook_url and world.updates.pending), 3600
            )
            update = world.updates.pending[0] if world.updates.pending else None
            if update is None or not world.webhook_url:
                continue
            if await self._push(world.webhook_url, update):
                world.updates.acknowledge(update["update_id"] + 1)
            else:
                self.failures += 1
                world.notifier.notify()  # tests may wait for a failed delivery
                await asyncio.sleep(RETRY_SECONDS)

    async def _push(self, url: str, update: dict[str, object]) -> bool:
        assert self._session is not None
        headers = {}
        if self.world.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.world.webhook_secret
        try:
            async with self._session.post(url, json=update, headers=headers) as response:
                return 200 <= response.status < 300
        except (aiohttp.ClientError, TimeoutError):
            return False
