"""/start and /help: the first thing a newcomer sees."""

from __future__ import annotations

import html

from telegram import Update

from bot.context import BuurtApplication, BuurtContext
from handlers.commands import Where, chat_where, command_handler, visible
from handlers.people import person
from handlers.roles import roles
from models.people import mark_started


async def start(update: Update, context: BuurtContext) -> None:
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    _ = context.gettext()
    if chat_where(update) is Where.PRIVATE:
        await mark_started(context.session, person(user))
        text = _(
            "Hello {name}! I'm buurtbot. I help neighbours help each other: ask for a hand "
            "or offer one, start a small private group for one purpose, and end it when "
            "it is done.\n\nI work in your neighbourhood's group chat. Send /help to see "
            "what you can do.",
            name=user.first_name,
        )
    else:
        text = _(
            "Hello! I'm buurtbot. I help neighbours ask for and offer help, and start small "
            "groups for one purpose. A chat admin can register this chat with /setup. "
            "Send /help to see what you can do."
        )
    context.outbox.send(chat.id, text)


async def help_command(update: Update, context: BuurtContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    _ = context.gettext()
    commands = visible(chat_where(update), await roles(update, context))
    lines = [_("<b>What you can do here</b>")]
    lines += [
        html.escape(f"/{c.name} {c.usage}".rstrip()) + f" — {_(c.description)}" for c in commands
    ]
    context.outbox.send(chat.id, "\n".join(lines))


def register(app: BuurtApplication) -> None:
    app.add_handler(command_handler("start", start))
    app.add_handler(command_handler("help", help_command))
