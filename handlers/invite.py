"""/invite and /members in a group, and the Join button of /groups.

Every way in is a join request, so the bot can check that the person lives in
the group's neighbourhood and is not banned there.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, MessageEntity, Update

from bot.choices import LinkOffer, offered
from bot.context import BuurtApplication, BuurtContext
from bot.text import plain
from handlers.candidates import name_of
from handlers.commands import command_handler, command_name
from handlers.linking import create_invite_link, missing_rights
from handlers.people import ambiguous_name, person
from models import groups, joining
from models.entities import Group, GroupStatus, User
from models.people import by_username, see_user


async def _group_of_caller(update: Update, context: BuurtContext) -> Group | None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    # Group tracking has already made the caller a member, or refused them and stopped.
    return context.here.group


@dataclass(frozen=True)
class Target:
    """Whom /invite means: nobody in particular, a known user, or a name we can't place."""

    user: User | None = None
    unknown: str | None = None
    #: More than one person we know went by this @name, and nothing tells which.
    ambiguous: bool = False


async def _target(context: BuurtContext, message: Message) -> Target:
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        await see_user(context.session, person(reply.from_user), now=context.now)
        return Target(await context.session.get(User, reply.from_user.id))
    for entity, text in message.parse_entities().items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            await see_user(context.session, person(entity.user), now=context.now)
            return Target(await context.session.get(User, entity.user.id))
        if entity.type == MessageEntity.MENTION:
            named = await by_username(context.session, text)
            if named.user is not None:
                return Target(named.user)
            return Target(unknown=text, ambiguous=named.ambiguous)
    return Target()


async def invite(update: Update, context: BuurtContext) -> None:
    message = update.effective_message
    group = await _group_of_caller(update, context)
    if group is None or message is None or context.scope is None:
        return
    _ = context.gettext()
    link = await groups.current_invite_link(context.session, group)
    if link is None and group.bot_can_invite:
        link = await create_invite_link(context.bot, context.scope, group)
    if link is None:
        context.reply(update, missing_rights(_, group.bot_can_invite, group.bot_can_restrict))
        return
    target = await _target(context, message)
    if target.ambiguous:
        context.reply(
            update, ambiguous_name(_, str(target.unknown), command_name("invite", _.language))
        )
        return
    if target.unknown is not None:
        context.reply(
            update,
            _(
                "I don't know {name} yet. Share this link with them: {link}",
                name=target.unknown,
                link=link,
            ),
        )
        return
    if target.user is None:
        context.reply(
            update,
            _(
                "Share this link with neighbours: {link}\nOnly residents of the neighbourhood "
                "get in.",
                link=link,
            )
            + ("\n" + _("You, the owner, approve each request.") if group.invite_only else ""),
        )
        return
    inviter, invited = update.effective_user, target.user
    if await groups.member(context.session, group, invited.id) is not None:
        context.reply(update, _("{name} is already in this group.", name=invited.first_name))
        return
    if await joining.is_welcome(context.session, group, invited.id) != "resident":
        # Only neighbours get a DM: the bot is no way to message strangers.
        context.reply(
            update,
            _(
                "As far as I know, {name} does not live in this neighbourhood.",
                name=invited.first_name,
            ),
        )
        return
    if invited.started_at is None:
        bot_link = f"https://t.me/{context.bot.username}"
        context.reply(
            update,
            _(
                "{name} has not started a chat with me yet, so I cannot invite them. Ask them "
                "to open {bot} and press Start, or share this link: {link}",
                name=invited.first_name,
                bot=bot_link,
                link=link,
            ),
        )
        return
    context.reply(update, _("I sent {name} an invitation.", name=invited.first_name))
    _ = context.gettext_for(invited.language_code)  # the invited neighbour reads this
    context.outbox.send(
        invited.id,
        _(
            "{name} invites you to the group <b>{title}</b>.",
            name=inviter.first_name if inviter else "",
            title=group.title,
        ),
        choices=offered([LinkOffer(_("Join"), link)]),
    )


async def members(update: Update, context: BuurtContext) -> None:
    group = await _group_of_caller(update, context)
    if group is None:
        return
    _ = context.gettext()
    lines = [_("<b>Members of {title}</b>", title=group.title)]
    owner = _("owner")
    for row in await groups.members(context.session, group):
        name = plain(name_of(row.user))
        lines.append(f"• {name}" + (f" ({owner})" if row.user_id == group.owner_id else ""))
    context.reply(update, "\n".join(lines))


async def offer_join(update: Update, context: BuurtContext, group_id: int) -> None:
    """A DM /start join_<id>, from the Join button of /groups."""
    user = update.effective_user
    if user is None:
        return
    _ = context.gettext()
    group = await context.session.get(Group, group_id)
    if group is None or group.status != GroupStatus.ACTIVE or group.invite_only:
        context.reply(
            update,
            _(
                "You cannot join this group with this link (any more). Ask a member for a "
                "new invitation."
            ),
        )
        return
    if await joining.is_welcome(context.session, group, user.id) != "resident":
        context.reply(
            update,
            _("<b>{title}</b> is only for residents of its neighbourhood.", title=group.title),
        )
        return
    link = await groups.current_invite_link(context.session, group)
    if link is None:
        context.reply(update, _("This group cannot take new members yet. Please try later."))
        return
    context.reply(
        update,
        _("Press the button to ask to join <b>{title}</b>.", title=group.title),
        choices=offered([LinkOffer(_("Join"), link)]),
    )


def register(app: BuurtApplication) -> None:
    app.add_handler(command_handler("invite", invite))
    app.add_handler(command_handler("members", members))
