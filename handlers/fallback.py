"""Answers to what no feature claimed: plain DMs, old or forged buttons, unknown commands.

Nobody is left in silence: whatever someone sends the bot gets one short answer that
says what it can do.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.choices import Menu, Offer, offered
from bot.context import BuurtApplication, BuurtContext
from handlers import join_question, lists, start
from handlers.buttons import chosen, no_longer_works, pattern, shows
from handlers.commands import unknown_command

#: Words that make a DM read like a request for help, in Dutch and English.
_ASKING = re.compile(
    r"\b(hulp|help|helpen|nodig|zoek|gezocht|graag|iemand|lenen|boodschappen|oppas"
    r"|need|looking|anyone|someone|borrow|groceries)\b",
    re.IGNORECASE,
)


async def unknown_command_in_dm(update: Update, context: BuurtContext) -> None:
    context.reply(update, unknown_command(context.gettext()))


async def plain_message_in_dm(update: Update, context: BuurtContext) -> None:
    """Not a command: an answer to a join question, or else what the bot can do."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or await join_question.answered(update, context):
        return
    _ = context.gettext()
    lines = [
        _(
            "Hello {name}! I only read commands, such as /help. Choose below what you "
            "would like to do.",
            name=user.first_name,
        )
    ]
    if _ASKING.search(message.text or message.caption or ""):
        lines.append(
            _(
                "Would you like to ask your neighbours for a hand? Send /ask with what you "
                "need in your neighbourhood's group chat. For example: /ask groceries on Friday"
            )
        )
    menu = offered([Offer(_("What can I do?"), Menu("help")), Offer(_("My groups"), Menu("mine"))])
    context.reply(update, "\n\n".join(lines), choices=menu)


async def menu_pressed(update: Update, context: BuurtContext) -> None:
    found = chosen(update, Menu)
    chat = update.effective_chat
    if found is None or chat is None or chat.type != ChatType.PRIVATE or not shows(found[0]):
        no_longer_works(update, context)
        return
    context.answer(update)
    match found[1]:
        case Menu(item="help"):
            await start.help_command(update, context)
        case Menu(item="mine"):
            await lists.mine(update, context)


async def unknown_button(update: Update, context: BuurtContext) -> None:
    no_longer_works(update, context)


def register(app: BuurtApplication) -> None:
    """Must be registered last: within a handler group the first match wins."""
    app.add_handler(CallbackQueryHandler(menu_pressed, pattern=pattern(Menu)))
    app.add_handler(CallbackQueryHandler(unknown_button))
    # In groups, unknown commands may be meant for other bots: only DMs get an answer.
    app.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command_in_dm)
    )
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
            plain_message_in_dm,
        )
    )
