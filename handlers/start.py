"""/start and /help: the first thing a newcomer sees, and where deep links arrive."""

from __future__ import annotations

import html

from telegram import Update

from bot.context import BuurtApplication, BuurtContext
from bot.here import Where, Who
from bot.i18n import Gettext
from handlers import invite, join_question, linking
from handlers.commands import Command, Use, command_handler, visible
from handlers.numbers import parse_row_id
from handlers.people import person
from handlers.roles import RESTRICTED, roles
from models import groups
from models.people import mark_started

JOIN_PREFIX = "join_"


async def start(update: Update, context: BuurtContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    _ = context.gettext()
    payload = context.args[0] if context.args else ""
    where = context.here.where
    if where is Where.PRIVATE:
        started = await mark_started(context.session, person(user), now=context.now)
        await _private_start(update, context, payload)
        # Join answers kept because no coordinator could be reached: this one can now.
        await join_question.show_kept(context, started)
        return
    if payload:
        await linking.link_by_token(update, context, payload)
        return
    if where is Where.OTHER:
        context.outbox.send(chat.id, linking.intro(_))  # with how to register the chat
        return
    context.outbox.send(
        chat.id,
        _(
            "Hello! I'm buurtbot. I help neighbours ask for and offer help, and start small "
            "groups for one purpose. Send /help to see what you can do."
        ),
    )


async def _private_start(update: Update, context: BuurtContext, payload: str) -> None:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    _ = context.gettext()
    joining = payload.startswith(JOIN_PREFIX)
    group_id = parse_row_id(payload[len(JOIN_PREFIX) :]) if joining else None
    if group_id is not None:
        await invite.offer_join(update, context, group_id)
        return
    # A group's own link opened as a DM; any other payload is an old or mistyped link,
    # which gets the greeting like everyone else.
    if payload and await groups.by_token(context.session, payload) is not None:
        context.outbox.send(
            chat.id,
            _(
                "That link is for adding me to a new group chat, not to our private chat. "
                "Press the button under my /newgroup message again and choose a group."
            ),
        )
        return
    text = _(
        "Hello {name}! I'm buurtbot. I help neighbours help each other: ask for a hand "
        "or offer one, start a small private group for one purpose, and end it when "
        "it is done.\n\nI work in your neighbourhood's group chat. Send /help to see "
        "what you can do.",
        name=user.first_name,
    )
    found = await roles(update, context)
    if Who.FACILITATOR in found:
        text += "\n\n" + _("<b>As a facilitator, you can also use these commands:</b>")
    elif Who.COORDINATOR in found:
        text += "\n\n" + _("<b>As a coordinator, you can also use these commands:</b>")
    extra = [(c, use) for c, use in visible(Where.PRIVATE, found) if use.who in RESTRICTED]
    context.outbox.send(chat.id, "\n".join([text, *(help_line(_, c, use) for c, use in extra)]))


def help_line(_: Gettext, command: Command, use: Use) -> str:
    """'/vraag [voor <naam>:] <wat je nodig hebt> — Vraag buren om een handje'."""
    written = f"/{command.name_in(_.language)} {_(use.usage) if use.usage else ''}".rstrip()
    return f"{html.escape(written)} — {_(use.description)}"


async def help_command(update: Update, context: BuurtContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    _ = context.gettext()
    where = context.here.where
    commands = visible(where, await roles(update, context))
    lines = [_("<b>What you can do here</b>")]
    lines += [help_line(_, c, use) for c, use in commands]
    context.outbox.send(chat.id, "\n".join(lines))


def register(app: BuurtApplication) -> None:
    app.add_handler(command_handler("start", start))
    app.add_handler(command_handler("help", help_command))
