"""Inline buttons whose callback data carries no trust.

A button carries a typed choice (bot/choices.py), encoded as its callback data. A press
only says "someone pressed this"; every handler checks the database before acting on it.
"""

from __future__ import annotations

import re
from typing import TypeVar, overload

from telegram import CallbackQuery, Message, Update

from bot.choices import Choice, decode, prefix
from bot.context import BuurtContext

_A = TypeVar("_A", bound=Choice)
_B = TypeVar("_B", bound=Choice)
_C = TypeVar("_C", bound=Choice)
_D = TypeVar("_D", bound=Choice)


def pattern(*kinds: type[Choice]) -> str:
    """The regex a CallbackQueryHandler needs for the buttons of these kinds of choice."""
    prefixes = sorted({re.escape(prefix(kind)) for kind in kinds})
    return rf"^{prefixes[0]}:" if len(prefixes) == 1 else rf"^(?:{'|'.join(prefixes)}):"


@overload
def chosen(update: Update, kind: type[_A], /) -> tuple[CallbackQuery, _A] | None: ...
@overload
def chosen(
    update: Update, kind: type[_A], other: type[_B], /
) -> tuple[CallbackQuery, _A | _B] | None: ...
@overload
def chosen(
    update: Update, kind: type[_A], other: type[_B], third: type[_C], /
) -> tuple[CallbackQuery, _A | _B | _C] | None: ...
@overload
def chosen(
    update: Update, kind: type[_A], other: type[_B], third: type[_C], fourth: type[_D], /
) -> tuple[CallbackQuery, _A | _B | _C | _D] | None: ...
def chosen(update: Update, *kinds: type) -> tuple[CallbackQuery, Choice] | None:
    """The press and its choice, if it is one of `kinds`; None for anything malformed,
    and for a choice of another kind."""
    query = update.callback_query
    if query is None or not isinstance(query.data, str):
        return None
    choice = decode(query.data)
    if choice is None or not isinstance(choice, kinds):
        return None
    return query, choice


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
