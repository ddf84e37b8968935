"""Fixtures for the sandbox's own tests: a running sandbox, raw HTTP and a PTB bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import telegram
from telegram import TelegramObject

from sandbox import Chat, Sandbox, User

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token=TOKEN, bot_username="buurtbot_test") as sb:
        yield sb


@dataclass
class Api:
    """Raw Bot API access, for checking status codes and bodies byte for byte."""

    sb: Sandbox
    client: httpx.AsyncClient

    async def call(self, method: str, **params: Any) -> httpx.Response:
        return await self.client.post(self.sb.method_url(method), json=params)

    async def ok(self, method: str, **params: Any) -> Any:
        response = await self.call(method, **params)
        body = response.json()
        assert response.status_code == 200 and body["ok"], body
        return body["result"]

    async def error(self, method: str, code: int, **params: Any) -> str:
        """Call expecting failure; return the description after checking the envelope."""
        response = await self.call(method, **params)
        body = response.json()
        assert response.status_code == code, body
        assert body["ok"] is False and body["error_code"] == code, body
        return str(body["description"])


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield Api(sandbox, client)


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=sandbox.base_url) as ptb_bot:
        yield ptb_bot


@dataclass
class Street:
    """A small neighbourhood: Anna (creator, started the bot), Piet and Kees."""

    anna: User
    piet: User
    kees: User
    group: Chat


@pytest.fixture
async def street(sandbox: Sandbox) -> Street:
    anna = sandbox.add_user("Anna", language_code="nl", username="anna")
    piet = sandbox.add_user("Piet", language_code="en")
    kees = sandbox.add_user("Kees")
    group = sandbox.add_group("Kerklaan", members=[anna, piet], admins=[anna])
    await anna.start()
    await group.add_bot(by=anna)
    return Street(anna, piet, kees, group)


def assert_fully_parsed(obj: object, path: str = "") -> None:
    """Every field we send must be known to PTB: nothing may land in ``api_kwargs``."""
    if isinstance(obj, TelegramObject):
        name = path or type(obj).__name__
        assert not obj.api_kwargs, f"{name} has unknown fields {dict(obj.api_kwargs)}"
        for key, value in obj._get_attrs(include_private=False, recursive=False).items():
            assert_fully_parsed(value, f"{name}.{key}")
    elif isinstance(obj, list | tuple):
        for index, item in enumerate(obj):
            assert_fully_parsed(item, f"{path}[{index}]")
