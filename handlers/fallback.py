"""Answers to what no feature claimed: old or forged buttons, unknown commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.context import BuurtApplication, BuurtContext
from handlers.buttons import no_longer_works
from handlers.commands import unknown_command


async def unknown_command_in_dm(update: Update, context: BuurtContext) -> None:
    context.reply(update, unknown_command(context.gettext()))


async def unknown_button(update: Update, context: BuurtContext) -> None:
    _ = context.gettext()
    no_longer_works(update, context)


def register(app: BuurtApplication) -> None:
    """Must be registered last: within a handler group the first match wins."""
    app.add_handler(CallbackQueryHandler(unknown_button))
    # In groups, unknown commands may be meant for other bots: only DMs get an answer.
    app.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command_in_dm)
    )
