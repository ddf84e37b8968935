"""Who is in a group's chat: members as they come and go, and people who may not be there.

A group is closed: its join-request link is the way in, and where the bot may, it
turns off members' right to add people (handlers/linking.py). Anyone found in the
chat all the same without being allowed in (added directly, or through an admin's
own link; a stranger, or banned in the neighbourhood) is refused: taken out again
(banned and unbanned, so they may ask properly later) when the bot has the right,
and otherwise ignored there while they stay. The owner is told; without the right,
the coordinators too, once.
"""

from __future__ import annotations

from telegram import Update
from telegram import User as TelegramUser
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.context import BuurtApplication, BuurtContext
from bot.i18n import Gettext
from handlers.candidates import name_of
from handlers.people import person
from handlers.priority import GROUP_TRACKING
from handlers.residents import present
from models import groups, joining, oversight
from models.entities import Group, Neighbourhood, User
from models.people import see_user


async def _entered(context: BuurtContext, group: Group, user: TelegramUser) -> None:
    """Someone is in the group's chat: a member if they may be, refused if not."""
    session = context.session
    await see_user(session, person(user), now=context.now)
    if await joining.may_stay(session, group, user.id):
        await groups.join(session, group, user.id, now=context.now)
    elif await joining.refuse(session, group, user.id, now=context.now):
        await _refused(context, group, user.id)


async def _refused(context: BuurtContext, group: Group, user_id: int) -> None:
    """Take a refused person out if the bot can, and tell whom it concerns."""
    session = context.session
    chat_id = group.chat_id
    assert chat_id is not None
    user = await session.get(User, user_id)
    name = name_of(user)
    banned = await joining.is_welcome(session, group, user_id) is joining.Welcome.BANNED
    home = await session.get(Neighbourhood, group.neighbourhood_id)
    if group.bot_can_restrict:
        context.outbox.ban(chat_id, user_id)
        context.outbox.unban(chat_id, user_id)  # out, but free to ask the proper way
        if user is not None and user.started_at is not None:
            _ = context.gettext_for(user.language_code)  # the removed person reads this
            context.outbox.send(user_id, _removed_text(_, group, home, banned))
        _ = await _owner_language(context, group)
        text = (
            _(
                "{name} was added to <b>{title}</b>, but may not join groups of this "
                "neighbourhood. I took them out again.",
                name=name,
                title=group.title,
            )
            if banned
            else _(
                "{name} was added to <b>{title}</b> without a join request, and is not known "
                "as a resident of the neighbourhood. I took them out again. If they live "
                "there, they can ask to join with the link of /invite.",
                name=name,
                title=group.title,
            )
        )
        await _tell_owner(context, group, text)
        return
    readers = await oversight.reachable_coordinators(session, home.id) if home else []
    owner = await session.get(User, group.owner_id)
    if owner is not None and owner.started_at is not None:
        readers = [owner, *(r for r in readers if r.id != owner.id)]
    else:
        _ = context.gettext()
        context.outbox.send(chat_id, _cannot_remove(_, name, group))  # the owner reads it here
    for reader in readers:
        _ = context.gettext_for(reader.language_code)
        context.outbox.send(reader.id, _cannot_remove(_, name, group))


def _removed_text(_: Gettext, group: Group, home: Neighbourhood | None, banned: bool) -> str:
    if banned:
        return _("You were added to <b>{title}</b>, but you cannot join it.", title=group.title)
    return _(
        "Hello! You were added to the group <b>{title}</b>. It is only for residents of "
        "{neighbourhood}, so I took you out again. Do you live there? Then first send a "
        "message in the neighbourhood's group chat. After that you can ask to join.",
        title=group.title,
        neighbourhood=home.title if home else "",
    )


def _cannot_remove(_: Gettext, name: str, group: Group) -> str:
    return _(
        "{name} is in <b>{title}</b> without a join request, and is not known as a resident "
        "of the neighbourhood. I cannot take them out: I need to be an admin with the right "
        "to ban users. Please remove them yourself, or give me that right. Until then I "
        "ignore what they ask of me there.",
        name=name,
        title=group.title,
    )


async def _owner_language(context: BuurtContext, group: Group) -> Gettext:
    owner = await context.session.get(User, group.owner_id)
    if owner is not None and owner.started_at is not None:
        return context.gettext_for(owner.language_code)
    return context.gettext()  # told in the group chat


async def _tell_owner(context: BuurtContext, group: Group, text: str) -> None:
    """By DM if the owner opened one with the bot, else in the group's chat."""
    owner = await context.session.get(User, group.owner_id)
    reachable = owner is not None and owner.started_at is not None
    where = group.owner_id if reachable else group.chat_id
    assert where is not None
    context.outbox.send(where, text)


async def _left(context: BuurtContext, group: Group, user_id: int) -> None:
    session = context.session
    new_owner = await groups.leave(session, group, user_id, now=context.now)
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


async def take_out_refused(context: BuurtContext, group: Group) -> None:
    """The bot may ban now: whoever was refused before and is still there goes."""
    assert group.chat_id is not None
    for user_id in await joining.still_refused(context.session, group):
        context.outbox.ban(group.chat_id, user_id)
        context.outbox.unban(group.chat_id, user_id)


async def _ignored(update: Update, context: BuurtContext, group: Group, user_id: int) -> bool:
    """A refused person still in the chat gets nothing done there (unless they may stay now)."""
    session = context.session
    if not await joining.refused_here(session, group, user_id):
        return False
    if await joining.may_stay(session, group, user_id):
        await groups.join(
            session, group, user_id, now=context.now
        )  # a resident by now: welcome after all
        return False
    if update.callback_query is not None:
        context.answer(update)
    return True


async def track(update: Update, context: BuurtContext) -> None:
    """Who is in a group: from joins, leaves, and anyone who writes or presses there."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    if update.chat_member is None and update.message is None and update.callback_query is None:
        return
    session = context.session
    group = context.here.group
    if group is None:
        return
    if update.chat_member is not None:
        change = update.chat_member
        user = change.new_chat_member.user
        if user.is_bot:
            return
        if not present(change.new_chat_member):
            await _left(context, group, user.id)
        elif not present(change.old_chat_member):
            await _entered(context, group, user)
        return
    if update.callback_query is not None:
        if await _ignored(update, context, group, update.callback_query.from_user.id):
            raise ApplicationHandlerStop
        return
    message = update.message
    assert message is not None
    for user in message.new_chat_members or ():
        if not user.is_bot:
            await _entered(context, group, user)
    gone = message.left_chat_member
    if gone is not None and not gone.is_bot:
        await _left(context, group, gone.id)
        return
    writer = message.from_user
    if writer is None or writer.is_bot or message.new_chat_members:
        return
    if await _ignored(update, context, group, writer.id):
        raise ApplicationHandlerStop
    if await groups.member(session, group, writer.id) is None:
        await _entered(context, group, writer)  # in the chat since before the bot, maybe
        if await joining.refused_here(session, group, writer.id):
            raise ApplicationHandlerStop


def register(app: BuurtApplication) -> None:
    app.add_handler(TypeHandler(Update, track), group=GROUP_TRACKING)
