"""Translating Telegram's users into the domain's plain values."""

from __future__ import annotations

from telegram import User as TelegramUser

from models.people import Person


def person(user: TelegramUser) -> Person:
    return Person(
        id=user.id,
        first_name=user.first_name,
        username=user.username,
        language_code=user.language_code,
    )
