"""Flood control: Telegram's 30 messages/second and 20 messages/minute/group limits."""

from __future__ import annotations

import datetime as dt

import pytest
import telegram
from telegram.error import RetryAfter

from sandbox import Sandbox, User

from .conftest import Api, Street


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(sandbox: Sandbox) -> FakeClock:
    fake = FakeClock()
    sandbox.flood.clock = fake
    return fake


async def started_users(sandbox: Sandbox, count: int) -> list[User]:
    users = [sandbox.add_user(f"Buur {i}") for i in range(count)]
    for user in users:
        await user.start()
    return users


async def test_off_by_default(api: Api, sandbox: Sandbox, street: Street) -> None:
    assert sandbox.flood_control is False
    for i in range(40):
        await api.ok("sendMessage", chat_id=street.group.id, text=f"bericht {i}")
    assert sandbox.flood_rejections == 0


async def test_overall_limit_per_second(api: Api, sandbox: Sandbox, clock: FakeClock) -> None:
    sandbox.flood_control = True
    users = await started_users(sandbox, 31)
    for user in users[:30]:
        await api.ok("sendMessage", chat_id=user.id, text="hoi")
    response = await api.call("sendMessage", chat_id=users[30].id, text="hoi")
    assert response.status_code == 429
    assert response.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert sandbox.flood_rejections == 1
    assert sandbox.calls[-1].error_code == 429
    clock.now += 1.01
    await api.ok("sendMessage", chat_id=users[30].id, text="hoi")


async def test_per_group_limit_per_minute(
    api: Api, sandbox: Sandbox, street: Street, clock: FakeClock
) -> None:
    sandbox.flood_control = True
    sent = []
    for i in range(20):
        sent.append(await api.ok("sendMessage", chat_id=street.group.id, text=f"{i}"))
        clock.now += 2  # well within 30/s; only the group limit applies
    # Edits count too; the oldest of the 20 leaves the window at 1000 + 60.
    response = await api.call(
        "editMessageText", chat_id=street.group.id, message_id=sent[0]["message_id"], text="x"
    )
    assert response.status_code == 429
    assert response.json()["parameters"] == {"retry_after": 20}
    await api.ok("sendMessage", chat_id=street.anna.id, text="DMs are not limited per chat")
    clock.now += 20
    await api.ok("sendMessage", chat_id=street.group.id, text="weer ruimte")


async def test_ptb_sees_retry_after(
    sandbox: Sandbox, street: Street, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PTB_TIMEDELTA, PTB 22 itself warns (deprecation) while building RetryAfter.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    sandbox.flood_control = True
    async with telegram.Bot(sandbox.token, base_url=sandbox.base_url) as bot:
        for _ in range(20):
            await bot.send_message(street.group.id, "spam")
        with pytest.raises(RetryAfter) as info:
            await bot.send_poll(street.group.id, "nog een?", ["ja", "nee"])
    assert info.value.retry_after == dt.timedelta(seconds=60)
    assert sandbox.flood_rejections == 1


async def test_only_message_methods_count(
    api: Api, sandbox: Sandbox, street: Street, clock: FakeClock
) -> None:
    sandbox.flood_control = True
    for _ in range(40):
        await api.ok("getChat", chat_id=street.group.id)
    assert sandbox.flood_rejections == 0


async def test_switched_on_at_construction() -> None:
    async with Sandbox(flood_control=True) as sb:
        assert sb.flood_control is True
        sb.flood_control = False
        assert sb.flood.enabled is False
