"""Who gets into a group: join requests, the owner's decisions, /invite and /members.

Every way in is a join request, so the bot can check that the person lives in
the group's neighbourhood and is not banned there.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, ChatJoinRequestHandler, TypeHandler

from bot.context import BuurtApplication, BuurtContext
from bot.i18n import plain
from handlers import join_question
from handlers.buttons import (
    button,
    keyboard,
    link_button,
    no_longer_works,
    parse,
    pattern,
)
from handlers.commands import command_handler
from handlers.linking import create_invite_link, missing_rights
from handlers.people import person
from handlers.priority import GROUP_TRACKING
from handlers.residents import is_present
from models import groups, joining, neighbourhoods
from models.entities import Group, GroupStatus, Neighbourhood, User
from models.people import see_user


def name_of(user: User | None) -> str:
    """A plain name: the translator escapes it when it goes into a message."""
    return user.first_name if user is not None else "?"


# -- join requests -----------------------------------------------------------------------


async def join_requested(update: Update, context: BuurtContext) -> None:
    request = update.chat_join_request
    if request is None:
        return
    session = context.session
    group = await groups.active_in_chat(session, request.chat.id)
    if group is None:
        return  # not one of ours
    await see_user(session, person(request.from_user))
    _ = context.gettext()
    verdict = await joining.is_welcome(session, group, request.from_user.id)
    home = await session.get(Neighbourhood, group.neighbourhood_id)
    if verdict == "stranger" and home is not None and home.join_question:
        await join_question.ask(context, request, group, home.join_question)
        return
    if verdict != "resident":
        reason = (
            _("Sorry, you cannot join <b>{title}</b>.", title=group.title)
            if verdict == "banned"
            else _(
                "Sorry, <b>{title}</b> is only for residents of its neighbourhood. If you live "
                "there, send a message in the neighbourhood's group chat first, then try again.",
                title=group.title,
            )
        )
        # While the request is open Telegram lets us write to them, even without /start.
        context.outbox.send(request.user_chat_id, reason)
        _decline(context, request.chat.id, request.from_user.id)
        return
    if not group.invite_only:
        _approve(context, request.chat.id, request.from_user.id)
        return
    pending = await joining.request_to_join(session, group, request.from_user.id)
    context.outbox.send(
        request.user_chat_id,
        _("Thank you! The owner of <b>{title}</b> will look at your request.", title=group.title),
    )
    owner = await session.get(User, group.owner_id)
    _ = context.gettext_for(owner.language_code if owner else None)  # the owner reads this
    # An owner who never opened a DM with the bot is asked in the group chat instead.
    where = group.owner_id if owner is not None and owner.started_at else request.chat.id
    context.outbox.send(
        where,
        _(
            "{name} would like to join <b>{title}</b>.",
            name=request.from_user.first_name,
            title=group.title,
        ),
        reply_markup=keyboard(
            [
                button(_("Approve"), "jr", "a", pending.id),
                button(_("Decline"), "jr", "d", pending.id),
            ]
        ),
    )


def _approve(context: BuurtContext, chat_id: int, user_id: int) -> None:
    context.outbox.approve(chat_id, user_id)


def _decline(context: BuurtContext, chat_id: int, user_id: int) -> None:
    context.outbox.decline(chat_id, user_id)


async def decided(update: Update, context: BuurtContext) -> None:
    """The owner pressed Approve or Decline."""
    parsed = parse(update, "jr", ("a", "d"), int)
    _ = context.gettext()
    user = update.effective_user
    if parsed is None or user is None:
        no_longer_works(update, context)
        return
    query, (verdict, request_id) = parsed
    try:
        group, request = await joining.decide(
            context.session, int(request_id), user.id, approve=verdict == "a"
        )
    except groups.GroupError as error:
        context.answer(
            update,
            _("Only the owner of the group can decide this.")
            if error.code == "not_owner"
            else _("This request has already been handled."),
        )
        return
    requester = await context.session.get(User, request.user_id)
    chat_id, user_id = group.chat_id, request.user_id
    assert chat_id is not None
    if verdict == "a":
        _approve(context, chat_id, user_id)
        outcome = _(
            "You let {name} into <b>{title}</b>.", name=name_of(requester), title=group.title
        )
        context.answer(update, _("Approved."))
    else:
        _decline(context, chat_id, user_id)
        outcome = _(
            "You declined the request of {name} to join <b>{title}</b>.",
            name=name_of(requester),
            title=group.title,
        )
        context.answer(update, _("Declined."))
    message = query.message
    if message is not None:
        context.outbox.edit(message.chat.id, message.message_id, outcome)


# -- who is in the group -------------------------------------------------------------------


async def _member_changed(context: BuurtContext, group: Group, user_id: int, present: bool) -> None:
    session = context.session
    if present:
        await groups.join(session, group, user_id)
        return
    new_owner = await groups.leave(session, group, user_id)
    if new_owner is None:
        return
    owner = await session.get(User, new_owner)
    _ = context.gettext()
    assert group.chat_id is not None
    context.outbox.send(
        group.chat_id,
        _(
            "The owner has left the group. {name} has been part of it longest and is the "
            "owner now.",
            name=name_of(owner),
        ),
    )


async def track(update: Update, context: BuurtContext) -> None:
    """Who is in a group: from joins, leaves, and anyone who writes there."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    if update.chat_member is None and update.message is None:
        return
    # A neighbourhood's chat is never one of its groups (/setup and linking see to it), and
    # tracking has just looked it up: most updates are from such chats, so ask that first.
    if await neighbourhoods.find_active(context.session, chat.id) is not None:
        return
    group = await groups.active_in_chat(context.session, chat.id)
    if group is None:
        return
    session = context.session
    if update.chat_member is not None:
        user = update.chat_member.new_chat_member.user
        if not user.is_bot:
            await see_user(session, person(user))
            await _member_changed(context, group, user.id, is_present(update.chat_member))
        return
    message = update.message
    assert message is not None
    sender = message.from_user
    writer = sender if sender is not None and not sender.is_bot else None
    if (
        writer
        and not message.left_chat_member
        and not await groups.member(session, group, writer.id)
    ):
        await see_user(session, person(writer))
        await groups.join(session, group, writer.id)
    for user in message.new_chat_members or ():
        if not user.is_bot:
            await see_user(session, person(user))
            await _member_changed(context, group, user.id, True)
    gone = message.left_chat_member
    if gone is not None and not gone.is_bot:
        await _member_changed(context, group, gone.id, False)


# -- commands in a group -------------------------------------------------------------------


async def _group_of_caller(update: Update, context: BuurtContext) -> Group | None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    group = await groups.active_in_chat(context.session, chat.id)
    if group is None:
        return None
    if await groups.member(context.session, group, user.id) is None:
        await see_user(context.session, person(user))
        await groups.join(context.session, group, user.id)  # they wrote here, so they are in
    return group


@dataclass(frozen=True)
class Target:
    """Whom /invite means: nobody in particular, a known user, or a name we don't know."""

    user: User | None = None
    unknown: str | None = None


async def _target(context: BuurtContext, message: Message) -> Target:
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        await see_user(context.session, person(reply.from_user))
        return Target(await context.session.get(User, reply.from_user.id))
    for entity, text in message.parse_entities().items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            await see_user(context.session, person(entity.user))
            return Target(await context.session.get(User, entity.user.id))
        if entity.type == MessageEntity.MENTION:
            username = text.removeprefix("@").lower()
            found = await context.session.scalar(
                select(User).where(func.lower(User.username) == username)
            )
            return Target(found) if found is not None else Target(unknown=text)
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
        reply_markup=keyboard([link_button(_("Join"), link)]),
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
        context.reply(update, _("This group cannot be joined this way (any more)."))
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
        reply_markup=keyboard([link_button(_("Join"), link)]),
    )


def register(app: BuurtApplication) -> None:
    app.add_handler(TypeHandler(Update, track), group=GROUP_TRACKING)
    app.add_handler(ChatJoinRequestHandler(join_requested))
    app.add_handler(CallbackQueryHandler(decided, pattern=pattern("jr")))
    app.add_handler(command_handler("invite", invite))
    app.add_handler(command_handler("members", members))
