"""Inline buttons whose callback data carries no trust.

Data is `prefix:part:part`, at most 64 bytes. A press only says "someone
pressed this"; every handler checks the database before acting on it.
"""

from __future__ import annotations

import re

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import InlineKeyboardButtonLimit

from bot.context import BuurtContext
from handlers.numbers import parse_row_id

MAX_DATA = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)
_PART = re.compile(r"^[a-z0-9_-]{1,20}$")


def button(text: str, *parts: str | int) -> InlineKeyboardButton:
    data = ":".join(str(part) for part in parts)
    if len(data.encode()) > MAX_DATA:
        raise ValueError(f"callback data over {MAX_DATA} bytes: {data!r}")
    return InlineKeyboardButton(text, callback_data=data)


def link_button(text: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, url=url)


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([row for row in rows if row])


def pattern(prefix: str) -> str:
    """The regex a CallbackQueryHandler needs for this prefix."""
    return rf"^{re.escape(prefix)}:"


def parse(
    update: Update, prefix: str, *kinds: type | tuple[str, ...]
) -> tuple[CallbackQuery, list[str | int]] | None:
    """The press and its parts converted to `kinds` (int, str, or a tuple of the words
    allowed there); None for anything malformed.

    An int part is one of our row ids or a page number, never a Telegram id: a number too
    large for a row comes back as NO_ROW, which is looked up and not found.
    """
    query = update.callback_query
    if query is None or not isinstance(query.data, str):
        return None
    parts = query.data.split(":")
    if parts[0] != prefix or len(parts) != len(kinds) + 1:
        return None
    values: list[str | int] = []
    for raw, kind in zip(parts[1:], kinds, strict=True):
        if not _PART.match(raw):
            return None
        if isinstance(kind, tuple):
            if raw not in kind:
                return None
            values.append(raw)
        elif kind is int:
            number = parse_row_id(raw)
            if number is None:
                return None
            values.append(number)
        else:
            values.append(raw)
    return query, values


def shows(query: CallbackQuery) -> bool:
    """Whether the pressed message shows a button with the pressed data.

    A modified client can send any data for any message; this is the check for handlers
    that act on the pressed message itself, with nothing in the database to check.
    """
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    rows = markup.inline_keyboard if markup is not None else ()
    return any(button.callback_data == query.data for row in rows for button in row)


#: The /start payload of the link /setup gives coordinators, so they can be sent join
#: questions: a DM's greeting, nothing more.
COORDINATOR_PAYLOAD = "coordinator"


def deep_link(bot_username: str, parameter: str, payload: str) -> str:
    """t.me links that open the bot: parameter is 'start' (a DM) or 'startgroup'.

    Not PTB's `create_deep_linked_url`: it refuses the `&` that a startgroup payload
    needs to ask for admin rights (`{token}&admin=...`).
    """
    return f"https://t.me/{bot_username}?{parameter}={payload}"


def no_longer_works(update: Update, context: BuurtContext) -> None:
    """The one answer to stale, forged or malformed presses: short, and nothing changes."""
    _ = context.gettext()
    context.answer(update, _("This button no longer works."))
