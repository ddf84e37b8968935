"""Answers to button presses that no feature claimed: old buttons, forgeries, garbage."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import BuurtApplication, BuurtContext
from handlers.buttons import no_longer_works


async def unknown_button(update: Update, context: BuurtContext) -> None:
    _ = context.gettext()
    no_longer_works(update, context)


def register(app: BuurtApplication) -> None:
    """Must be registered last: within a handler group the first match wins."""
    app.add_handler(CallbackQueryHandler(unknown_button))
