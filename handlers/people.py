"""Translating Telegram's users into the domain's plain values."""

from __future__ import annotations

from telegram import Update
from telegram import User as TelegramUser

from bot.i18n import Gettext
from models.people import Person, is_person


def person(user: TelegramUser) -> Person:
    return Person(
        id=user.id,
        first_name=user.first_name,
        username=user.username,
        language_code=user.language_code,
    )


def is_anonymous(update: Update) -> bool:
    """Written as a chat or channel, or by a stand-in account: no one person we can name."""
    message, user = update.effective_message, update.effective_user
    if message is not None and message.sender_chat is not None:
        return True
    return user is not None and not is_person(user.id)


def act_as_yourself(_: Gettext, command: str) -> str:
    """The kind answer to an anonymous admin or a channel: say why, and what to do."""
    return _(
        "You are writing anonymously or as a channel, so I cannot tell who you are. "
        "Please send /{command} as yourself.",
        command=command,
    )


def ambiguous_name(_: Gettext, name: str, command: str) -> str:
    """An @name two people we know have held: ask for the one way that cannot be mistaken."""
    return _(
        "I know more than one person who has been called {name}, so I cannot tell whom you "
        "mean. Please reply to one of their messages with /{command} instead.",
        name=name,
        command=command,
    )
