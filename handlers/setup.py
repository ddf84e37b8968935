"""/setup: a chat admin turns their group chat into a neighbourhood."""

from __future__ import annotations

from telegram import Update

from bot.choices import LinkOffer, offered
from bot.context import BuurtApplication, BuurtContext
from bot.here import Here, Where
from handlers.buttons import COORDINATOR_PAYLOAD, deep_link
from handlers.commands import command_handler
from handlers.people import person
from models import neighbourhoods, oversight
from models.entities import User
from models.people import record_presence


async def setup(update: Update, context: BuurtContext) -> None:
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    _ = context.gettext()
    # The messenger was asked before the transaction (bot/facts.py). An admin who posts
    # anonymously writes as the chat itself.
    facts = context.facts
    anonymous_admin = message.sender_chat is not None and message.sender_chat.id == chat.id
    allowed = anonymous_admin or context.config.is_facilitator(user.id) or facts.sender_is_admin
    if not allowed:
        context.outbox.send(
            chat.id,
            _("Only an admin of this chat can set it up as a neighbourhood."),
            reply_to=message.message_id,
        )
        return
    sees_messages = facts.bot_rights is not None and facts.bot_rights.sees_messages
    admins = facts.admins or ()

    defaults = context.config.defaults
    registration = await neighbourhoods.register(
        context.session,
        chat_id=chat.id,
        title=chat.title or str(chat.id),
        created_by=user.id,
        language=defaults.language,
        timezone=defaults.timezone,
        now=context.now,
    )
    neighbourhood = registration.neighbourhood
    context.here = Here(Where.NEIGHBOURHOOD, neighbourhood)
    _ = context.gettext(neighbourhood.language)
    if not registration.created:
        context.outbox.send(
            chat.id,
            _(
                "This chat is already set up as the neighbourhood <b>{title}</b>.",
                title=neighbourhood.title,
            ),
            reply_to=message.message_id,
        )
        return
    if not context.config.is_facilitator(user.id) and not user.is_bot:
        await record_presence(context.session, neighbourhood, person(user), now=context.now)
    # The chat's admins today are its first coordinators.
    unreachable: list[str] = []
    for admin in admins:  # people only: the messenger leaves bots out
        resident = await record_presence(context.session, neighbourhood, admin, now=context.now)
        await oversight.add_coordinator(
            context.session, neighbourhood.id, admin.id, None, now=context.now
        )
        coordinator = await context.session.get(User, resident.user_id)
        if coordinator is not None and coordinator.started_at is None:
            unreachable.append(admin.first_name)
    await oversight.audit(
        context.session,
        actor_id=user.id,
        action="setup",
        target=f"neighbourhood {neighbourhood.id}",
        neighbourhood_id=neighbourhood.id,
        now=context.now,
    )
    text = _(
        "Welcome, neighbours! This chat is now the neighbourhood <b>{title}</b>. "
        "Send /help to see what you can do.",
        title=neighbourhood.title,
    )
    if not sees_messages:
        text += "\n\n" + _(
            "Please make me an admin of this chat, with the rights to invite users and to "
            "ban members. Until then I cannot see who is active here."
        )
    markup = None
    if unreachable:
        # Join questions reach coordinators only in a DM, which they must open first.
        text += "\n\n" + _(
            "{names}: you are the coordinators of this neighbourhood. Please open a private "
            "chat with me and press Start. Then I can send you the questions of people who "
            "want to join a group.",
            names=", ".join(unreachable),
        )
        link = deep_link(context.bot.username, "start", COORDINATOR_PAYLOAD)
        markup = offered([LinkOffer(_("Open a chat with me"), link)])
    context.outbox.send(chat.id, text, choices=markup)


def register(app: BuurtApplication) -> None:
    app.add_handler(command_handler("setup", setup))
