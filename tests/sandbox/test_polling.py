"""getUpdates: real long polling, acknowledgement by offset, filters, and dropped clients."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from sandbox import Sandbox

from .conftest import TOKEN, Api, Street


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    api: Api, sandbox: Sandbox, street: Street
) -> None:
    api.sb.privacy_mode = False
    await api.ok("getUpdates", offset=-1, timeout=0)
    last = (await api.ok("getUpdates", timeout=0))[-1]["update_id"]
    started = time.monotonic()
    poll = asyncio.create_task(api.ok("getUpdates", offset=last + 1, timeout=6))
    await sandbox.wait_polling()
    assert not poll.done()
    await street.piet.send(street.group, "hallo")
    (update,) = await asyncio.wait_for(poll, 5)
    assert update["message"]["text"] == "hallo"
    assert time.monotonic() - started < 3.0  # well before the 6 s poll timeout


async def test_long_poll_times_out_empty(api: Api, sandbox: Sandbox) -> None:
    started = time.monotonic()
    assert await api.ok("getUpdates", timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 3.0


async def test_dropped_long_poll_loses_nothing(
    api: Api, street: Street, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aiohttp.server")
    caplog.set_level(logging.DEBUG, logger="sandbox")
    api.sb.privacy_mode = False
    updates = await api.ok("getUpdates", timeout=0)
    offset = updates[-1]["update_id"] + 1
    with pytest.raises(httpx.ReadTimeout):
        await api.client.post(
            api.sb.method_url("getUpdates"), json={"offset": offset, "timeout": 5}, timeout=0.2
        )
    dropped = api.sb.calls[-1]
    # The hang-up reaches the server a moment later.
    await api.sb.world.notifier.wait_until(lambda: dropped.ok is not None, 5)
    assert (dropped.error_code, dropped.description) == (499, "client closed the connection")
    await street.piet.send(street.group, "na de onderbreking")
    (update,) = await api.ok("getUpdates", offset=offset, timeout=1)
    assert update["message"]["text"] == "na de onderbreking"
    # A response the client never processed is simply handed out again.
    assert await api.ok("getUpdates", offset=offset, timeout=0) == [update]
    assert await api.ok("getUpdates", offset=update["update_id"] + 1, timeout=0) == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_offset_and_limit(api: Api, street: Street) -> None:
    api.sb.privacy_mode = False
    await api.ok("getUpdates", offset=-1)
    for text in ("een", "twee", "drie"):
        await street.piet.send(street.group, text)
    first = await api.ok("getUpdates", limit=2)
    assert len(first) == 2
    texts = [u["message"]["text"] for u in await api.ok("getUpdates", offset=-2)]
    assert texts == ["twee", "drie"]  # a negative offset forgets everything before
    ids = [u["update_id"] for u in await api.ok("getUpdates")]
    assert ids == sorted(ids) and len(ids) == 2
    assert await api.ok("getUpdates", offset=ids[-1] + 1) == []


async def test_allowed_updates_apply_when_updates_are_created(
    api: Api, sandbox: Sandbox, street: Street
) -> None:
    """As Telegram documents, a filter "doesn't affect updates created before the call"."""
    await sandbox.promote_bot(street.group, by=street.anna, can_invite_users=True)
    await api.ok("getUpdates", offset=-1)
    last = (await api.ok("getUpdates"))[-1]["update_id"]
    await street.group.join(street.kees)  # default filter: no chat_member update is created
    default = await api.ok("getUpdates", offset=last + 1)
    assert [set(u) - {"update_id"} for u in default] == [{"message"}]

    await street.group.leave(street.kees)  # created under the default filter
    only = await api.ok(
        "getUpdates", offset=default[-1]["update_id"] + 1, allowed_updates=["chat_member"]
    )
    assert [set(u) - {"update_id"} for u in only] == [{"message"}]  # still delivered
    await street.piet.send(street.group, "/niet_gewenst")
    await street.group.join(street.kees)
    remembered = await api.ok("getUpdates", offset=only[-1]["update_id"] + 1)
    assert [set(u) - {"update_id"} for u in remembered] == [{"chat_member"}]

    # An empty list means "back to the default", not "nothing".
    await api.ok("getUpdates", offset=remembered[-1]["update_id"] + 1, allowed_updates=[])
    await street.group.leave(street.kees)
    assert [set(u) - {"update_id"} for u in await api.ok("getUpdates")] == [{"message"}]


async def test_set_webhook_stores_allowed_updates(api: Api, sandbox: Sandbox) -> None:
    await api.ok("setWebhook", url="https://buurt.example/hook", allowed_updates=["message"])
    assert sandbox.world.updates.allowed_updates == ["message"]
    await api.ok("setWebhook", url="https://buurt.example/hook")  # omitted: kept
    assert sandbox.world.updates.allowed_updates == ["message"]
    description = await api.error(
        "setWebhook", 400, url="https://buurt.example/hook", allowed_updates={"message": 1}
    )
    assert description == "Bad Request: can't parse allowed_updates"


async def test_wait_polling(api: Api, sandbox: Sandbox) -> None:
    with pytest.raises(AssertionError, match="did not start a long poll"):
        await sandbox.wait_polling(timeout=0.05)
    await api.ok("getUpdates", timeout=0)  # a short poll never waits
    with pytest.raises(AssertionError):
        await sandbox.wait_polling(timeout=0.05)
    poll = asyncio.create_task(api.ok("getUpdates", timeout=5, allowed_updates=["poll"]))
    await sandbox.wait_polling()
    assert sandbox.world.updates.allowed_updates == ["poll"]
    await sandbox.add_user("Anna").start()  # a message: not created under this filter
    assert sandbox.world.updates.pending == []
    assert not poll.done()
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll


async def test_second_poller_terminates_the_first(api: Api, sandbox: Sandbox) -> None:
    first = asyncio.create_task(api.call("getUpdates", timeout=5))
    await sandbox.wait_polling()
    assert await api.ok("getUpdates", timeout=0) == []
    response = await asyncio.wait_for(first, 5)
    assert response.status_code == 409
    assert response.json()["description"].startswith("Conflict: terminated by other getUpdates")


async def test_webhook_excludes_polling(api: Api, street: Street) -> None:
    assert await api.ok("setWebhook", url="https://buurt.example/hook") is True
    description = await api.error("getUpdates", 409)
    assert "webhook is active" in description
    assert await api.ok("deleteWebhook", drop_pending_updates=True) is True
    assert await api.ok("getUpdates") == []


async def test_idle_waits_for_acknowledgement(api: Api, sandbox: Sandbox, street: Street) -> None:
    with pytest.raises(AssertionError, match="did not acknowledge"):
        await sandbox.idle(timeout=0.1)
    updates = await api.ok("getUpdates")
    with pytest.raises(AssertionError):  # fetched but not yet acknowledged
        await sandbox.idle(timeout=0.1)
    await api.ok("getUpdates", offset=updates[-1]["update_id"] + 1)
    await sandbox.idle(timeout=0.1)


async def test_real_application_round_trip(sandbox: Sandbox) -> None:
    """A PTB Application polls, answers a command and a button, then shuts down cleanly."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id,
            "<b>Hallo!</b>",
            parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Klik", callback_data="klik")]]
            ),
        )

    async def clicked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Gedaan")

    app = Application.builder().token(TOKEN).base_url(sandbox.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(clicked))
    anna = sandbox.add_user("Anna")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        await sandbox.wait_polling()
        await anna.start()
        reply = await anna.dm.next_bot_message(timeout=5)
        assert reply.text == "Hallo!" and reply.html == "<b>Hallo!</b>"
        answer = await (await anna.press(reply, "Klik")).wait(timeout=5)
        assert answer.text == "Gedaan"
        await sandbox.idle(timeout=5)
        await app.updater.stop()
        await app.stop()
    assert not sandbox.server.internal_errors


async def test_calls_are_logged_on_arrival(api: Api, sandbox: Sandbox) -> None:
    """A test can wait for "the bot is polling" without sitting out the poll timeout."""
    poll = asyncio.create_task(api.ok("getUpdates", timeout=2))
    call = await sandbox.wait_for_call("getUpdates", timeout=1)
    assert call.ok is None and repr(call) == "<Call getUpdates pending>"
    await sandbox.add_user("Anna").start()
    assert len(await poll) == 1
    assert call.ok is True and len(call.result) == 1
