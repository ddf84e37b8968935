"""The Bot API call an outbox row stands for, and what Telegram's answer means.

The courier (bot/courier.py) sends rows without knowing Telegram: it is told a
`Delivery`. Here Telegram's errors are read: a 429 says when to try again, a 403 or
a 400 is a refusal, a migrated group is followed, and anything else from Telegram
(no answer, a lost connection, a 5xx) may still come through later.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)
from telegram import error as telegram_error

from bot.delivery import Delivery, Dropped, Moved, NotModified, Refused, RetryAfter, Sent, Unknown
from bot.effects import AnswerPress, Passing, SendFile, SendPicture
from bot.logs import chat_in_log
from bot.outbox import BACKGROUND, LANE, Kind
from models.entities import OutboxMessage
from transports.telegram import render
from transports.telegram.pacing import background

log = logging.getLogger(__name__)


async def perform(bot: Bot, row: OutboxMessage) -> Delivery:
    """Make the row's call once, and say how it went."""
    try:
        params: dict[str, Any] = json.loads(row.params)
        with _lane(params):
            return await _call(bot, row, params)
    except Exception as exc:
        return delivery_of(row, exc)


@contextlib.contextmanager
def _lane(params: dict[str, Any]) -> Iterator[None]:
    """A background row lets residents' messages go first, whoever sends it: the sweep
    and a restarted bot too, which do not run in the round's context."""
    if params.get(LANE) != BACKGROUND:
        yield
        return
    marked = background.set(True)
    try:
        yield
    finally:
        background.reset(marked)


def delivery_of(row: OutboxMessage, exc: Exception) -> Delivery:
    """What a failed call means for its row; logged without personal data at INFO and up."""
    where = chat_in_log(row.chat_id)
    if isinstance(exc, telegram_error.RetryAfter):
        return RetryAfter(_seconds(exc.retry_after))
    if isinstance(exc, telegram_error.Forbidden):
        log.debug("%s does not accept this from the bot (%s)", where, row.kind)
        return Refused()
    if isinstance(exc, telegram_error.ChatMigrated):  # a group became a supergroup
        return Moved(exc.new_chat_id)
    if isinstance(exc, telegram_error.BadRequest):
        if "not modified" in exc.message.lower():
            return NotModified()
        log.warning("Telegram refused to %s in %s: %s", row.kind, where, exc)
        return Refused()
    if isinstance(exc, telegram_error.TelegramError):  # timeouts, lost connections, 5xx
        log.warning("no delivery to %s yet (%s)", where, type(exc).__name__)
        return Unknown()
    # A row we cannot even make a call of would fail forever.
    log.error("outbox row %s (%s) cannot be sent; dropped", row.id, row.kind, exc_info=exc)
    return Dropped()


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def _call(bot: Bot, row: OutboxMessage, p: dict[str, Any]) -> Sent:
    """Make the call a row stands for: with the id of the message it sent, or the link
    it made, if it made one."""
    chat_id = row.chat_id
    markup = _markup(p, bot)
    match row.kind:
        case Kind.SEND:
            reply = p.get("reply_to")
            sent = await bot.send_message(
                chat_id,
                render.html(p["text"]),
                reply_markup=markup,
                reply_parameters=(
                    ReplyParameters(reply, allow_sending_without_reply=True) if reply else None
                ),
            )
            return Sent(sent.message_id)
        case Kind.EDIT:
            await bot.edit_message_text(
                render.html(p["text"]),
                chat_id=chat_id,
                message_id=p["message_id"],
                reply_markup=markup,
            )
        case Kind.BUTTONS_OFF:
            await bot.edit_message_reply_markup(chat_id, p["message_id"])
        case Kind.APPROVE:
            await bot.approve_chat_join_request(chat_id, p["user_id"])
        case Kind.DECLINE:
            await bot.decline_chat_join_request(chat_id, p["user_id"])
        case Kind.BAN:
            await bot.ban_chat_member(chat_id, p["user_id"])
        case Kind.UNBAN:
            await bot.unban_chat_member(chat_id, p["user_id"], only_if_banned=True)
        case Kind.REVOKE:
            await bot.revoke_chat_invite_link(chat_id, p["link"])
        case Kind.LEAVE:
            await bot.leave_chat(chat_id)
        case Kind.CLOSE_INVITES:
            await _close_invites(bot, chat_id)
        case Kind.INVITE_LINK:  # one that files a join request, so the bot decides who gets in
            made = await bot.create_chat_invite_link(
                chat_id, name=p["name"], creates_join_request=True
            )
            return Sent(link=made.invite_link)
        case _:
            raise ValueError(f"unknown outbox kind {row.kind!r}")
    return Sent()


async def _close_invites(bot: Bot, chat_id: int) -> None:
    """Members may no longer add people; every other permission stays as the owner set it.

    setChatPermissions replaces them all, so they are read first; and it refuses a change
    that changes nothing, so a chat that is already closed is left alone.
    """
    current = (await bot.get_chat(chat_id)).permissions
    if current is None or current.can_invite_users is False:
        return  # nothing to read them from (a setting we must not guess), or closed already
    values = {key: value for key, value in current.to_dict().items() if key != "can_invite_users"}
    await bot.set_chat_permissions(
        chat_id,
        ChatPermissions(**values, can_invite_users=False),
        use_independent_chat_permissions=True,
    )


def _markup(p: dict[str, Any], bot: Bot) -> InlineKeyboardMarkup | None:
    """A row's choices as inline buttons; rows queued before choices hold PTB's markup."""
    if p.get("choices"):
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(offer["label"], url=offer["url"])
                    if "url" in offer
                    else InlineKeyboardButton(offer["label"], callback_data=offer["data"])
                    for offer in row
                ]
                for row in p["choices"]
            ]
        )
    return InlineKeyboardMarkup.de_json(p["markup"], bot) if p.get("markup") else None


async def act(bot: Bot, effect: Passing) -> None:
    """Perform what is not stored; a refusal is logged (without personal data) and left."""
    try:
        match effect:
            case AnswerPress(press=press, text=text, alert=alert):
                await bot.answer_callback_query(press, text, show_alert=alert)
            case SendPicture(chat=chat, draw=draw, caption=caption):
                picture = await asyncio.to_thread(draw)  # the loop never waits for matplotlib
                await bot.send_photo(chat, photo=picture, caption=caption)
            case SendFile(chat=chat, name=name, data=data):
                await bot.send_document(chat, document=data, filename=name)
    except telegram_error.TelegramError:
        log.warning("Telegram refused to %s", _WHAT[type(effect)], exc_info=True)


_WHAT = {
    AnswerPress: "answer a button press",
    SendPicture: "send a picture",
    SendFile: "send a file",
}
