"""Webhook delivery: updates are pushed in order, with the secret, until answered with 2xx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from sandbox import Sandbox
from tests.sandbox.conftest import TOKEN, Api


class Receiver:
    """A stand-in bot endpoint that fails the first `fail` posts."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail:
            self.fail -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((await request.json(), secret))
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver(fail=2)
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    receiver.url = f"http://127.0.0.1:{port}/hook"
    yield receiver
    await runner.cleanup()


async def test_plain_http_webhooks_are_refused_like_telegram(api: Api):
    description = await api.error("setWebhook", 400, url="http://127.0.0.1:8443/hook")
    assert "HTTPS" in description


async def test_updates_are_pushed_in_order_with_the_secret_and_retried(receiver: Receiver):
    async with Sandbox(TOKEN, http_webhooks=True) as sb:
        async with httpx.AsyncClient() as client:
            body = {"url": receiver.url, "secret_token": "s3cret_-ok"}
            response = await client.post(sb.method_url("setWebhook"), json=body)
            assert response.json()["ok"]
            polled = await client.post(sb.method_url("getUpdates"), json={})
            assert polled.status_code == 409  # no polling while a webhook is set
        anna = sb.add_user("Anna")
        for text in ("een", "twee", "drie"):
            await anna.send(anna.dm, text)
        await sb.idle(timeout=5)
        texts = [update["message"]["text"] for update, _secret in receiver.received]
        assert texts == ["een", "twee", "drie"]
        assert {secret for _update, secret in receiver.received} == {"s3cret_-ok"}
        assert sb.webhook.failures == 2


@pytest.mark.parametrize("port", [None, 443, 80, 88, 8443])
async def test_webhook_ports_telegram_allows(api: Api, port: int | None):
    host = "buurt.example" if port is None else f"buurt.example:{port}"
    assert await api.ok("setWebhook", url=f"https://{host}/hook") is True


@pytest.mark.parametrize("port", ["8080", "8444", "1", "99999", "x"])
async def test_other_webhook_ports_are_refused(api: Api, sandbox: Sandbox, port: str):
    sandbox.world.http_webhooks = True  # the loopback exception is for plain HTTP only
    description = await api.error("setWebhook", 400, url=f"https://buurt.example:{port}/hook")
    assert description == (
        "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
    )
    assert sandbox.world.webhook_url == ""


async def test_loopback_http_exception_takes_any_port(api: Api, sandbox: Sandbox):
    sandbox.world.http_webhooks = True
    assert await api.ok("setWebhook", url="http://127.0.0.1:8080/hook") is True
    assert await api.ok("setWebhook", url="http://localhost:3/hook") is True


async def test_bad_secret_token_is_refused(api: Api):
    description = await api.error("setWebhook", 400, url="https://x.org/h", secret_token="a b")
    assert "Secret token" in description


async def test_unreachable_webhook_keeps_the_update(sandbox: Sandbox, api: Api):
    sandbox.world.http_webhooks = True
    await api.ok("setWebhook", url="http://127.0.0.1:9/nothing-listens-here")
    anna = sandbox.add_user("Anna")
    await anna.send(anna.dm, "hallo")
    assert await sandbox.world.notifier.wait_until(lambda: sandbox.webhook.failures >= 1, 5)
    assert len(sandbox.world.updates.pending) == 1
