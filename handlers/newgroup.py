"""/newgroup: a resident starts a small group for one purpose.

Bots cannot create chats, so the reply is a button that lets the resident
create one and add the bot to it; the token in that link ties the chat to
the pending group (see handlers/linking.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.choices import Choices, LinkOffer, Offer, PlaceGroup, offered
from bot.context import BuurtApplication, BuurtContext
from bot.i18n import Gettext
from handlers.buttons import (
    chosen,
    deep_link,
    no_longer_works,
    pattern,
)
from handlers.commands import arguments_of, command_handler, command_name
from handlers.people import act_as_yourself, person
from handlers.request_parsing import clean
from models import groups
from models.entities import Group, Neighbourhood, Resident
from models.people import see_user

PRIVATE_FLAGS = {"-private", "-besloten", "-p"}
#: The admin rights Telegram offers to grant when the bot is added through the link.
ADMIN_RIGHTS = "invite_users+restrict_members"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Request:
    title: str
    invite_only: bool


def parse_request(text: str) -> Request:
    """'/newgroup -private  Speeltuin  Kerklaan' → Request('Speeltuin Kerklaan', True)."""
    words = _SPACE.sub(" ", clean(text)).strip().split(" ")
    invite_only = False
    while words and words[0].lower() in PRIVATE_FLAGS:
        invite_only = True
        words = words[1:]
    return Request(clean(" ".join(words)), invite_only)


def link_reply(_: Gettext, bot_username: str, group: Group, token: str) -> tuple[str, Choices]:
    text = _(
        "Good idea! To start <b>{title}</b>: press the button, create a new group chat "
        "(or pick one), and add me to it. The button works once, only for you, for 48 hours.",
        title=group.title,
    )
    url = deep_link(bot_username, "startgroup", f"{token}&admin={ADMIN_RIGHTS}")
    return text, offered([LinkOffer(_("Start the group"), url)])


async def _homes(context: BuurtContext, user_id: int) -> list[Neighbourhood]:
    result = await context.session.scalars(
        select(Neighbourhood)
        .join(Resident)
        .where(
            Resident.user_id == user_id,
            Resident.left_at.is_(None),
            Resident.banned_at.is_(None),
            Neighbourhood.active,
        )
        .order_by(Neighbourhood.title)
    )
    return list(result)


async def newgroup(update: Update, context: BuurtContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    _ = context.gettext()
    request = parse_request(arguments_of(update))
    if not request.title:
        context.reply(
            update,
            _(
                "Please give your group a name, for example:\n"
                "/newgroup Boodschappen mevrouw De Vries\n"
                "Add -private before the name for a group where you approve who joins."
            ),
        )
        return
    if len(request.title) > groups.TITLE_MAX:
        context.reply(
            update,
            _(
                "That name is a bit long: please keep it under {max} characters.",
                max=groups.TITLE_MAX,
            ),
        )
        return
    await see_user(context.session, person(user), now=context.now)
    here = context.here.neighbourhood_chat
    homes = [here] if here is not None else await _homes(context, user.id)
    if not homes:
        context.reply(
            update,
            _(
                "I don't know your neighbourhood yet. Please send a message in your "
                "neighbourhood's group chat first, then try again."
            ),
        )
        return
    try:
        created = await groups.create(
            context.session,
            owner_id=user.id,
            title=request.title,
            invite_only=request.invite_only,
            neighbourhood_id=homes[0].id if len(homes) == 1 else None,
            limit=context.config.groups.max_per_resident,
            now=context.now,
        )
    except groups.GroupError as error:
        if error.code == "anonymous":  # the command table keeps them out; this is the backstop
            context.reply(update, act_as_yourself(_, command_name("newgroup", _.language)))
            return
        context.reply(
            update,
            _.plural(
                "You already have {n} group going, which is the most I can keep up with. "
                "Please end it with /dissolve before you start another.",
                "You already have {n} groups going, which is the most I can keep up with. "
                "Please end one with /dissolve before you start another.",
                context.config.groups.max_per_resident,
            ),
        )
        return
    if len(homes) > 1:
        rows = [[Offer(home.title, PlaceGroup(created.group.id, home.id))] for home in homes]
        context.reply(update, _("Which neighbourhood is this group for?"), choices=offered(*rows))
        return
    text, markup = link_reply(_, context.bot.username, created.group, created.token)
    context.reply(update, text, choices=markup)


async def place(update: Update, context: BuurtContext) -> None:
    """The resident picked a neighbourhood for a group started in a DM."""
    found = chosen(update, PlaceGroup)
    _ = context.gettext()
    if found is None or update.effective_user is None:
        no_longer_works(update, context)
        return
    query, choice = found
    homes = await _homes(context, update.effective_user.id)
    if choice.neighbourhood not in {home.id for home in homes}:
        no_longer_works(update, context)
        return
    try:
        group = await groups.place(
            context.session, choice.group, update.effective_user.id, choice.neighbourhood
        )
    except groups.GroupError:
        no_longer_works(update, context)
        return
    token = groups.renew_token(group)
    context.answer(update)
    text, markup = link_reply(_, context.bot.username, group, token)
    message = query.message
    if message is not None:
        context.outbox.edit(message.chat.id, message.message_id, text, choices=markup)


def register(app: BuurtApplication) -> None:
    app.add_handler(command_handler("newgroup", newgroup))
    app.add_handler(CallbackQueryHandler(place, pattern=pattern(PlaceGroup)))
