"""Who lives where: every update in a neighbourhood chat tells us something.

Runs in its own handler group before the commands, and sees every update. It
stores who is a resident and when they left; never what anyone wrote.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, ChatMemberUpdated, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import TypeHandler

from bot import here
from bot.context import BuurtApplication, BuurtContext
from bot.logs import chat_in_log
from handlers.people import person
from handlers.priority import TRACKING
from models import deliveries, groups, neighbourhoods, requests
from models.people import (
    lift_ban,
    note_presence,
    record_ban,
    record_departure,
    record_presence,
    see_user,
)

log = logging.getLogger(__name__)

PRESENT = {
    ChatMemberStatus.OWNER,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.MEMBER,
    ChatMemberStatus.RESTRICTED,
}


def present(member: ChatMember) -> bool:
    """In the chat, restricted members included."""
    if member.status == ChatMemberStatus.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status in PRESENT


def is_present(update: ChatMemberUpdated) -> bool:
    """Still (or newly) in the chat."""
    return present(update.new_chat_member)


async def _follow_migration(context: BuurtContext, message: Message) -> None:
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if await neighbourhoods.follow_migration(context.session, old, new):
        log.info("neighbourhood moved from %s to %s", chat_in_log(old), chat_in_log(new))
    if await groups.follow_migration(context.session, old, new, now=context.now):
        log.info("group moved from %s to %s", chat_in_log(old), chat_in_log(new))
    # Cards and what still waits to be sent go along, whoever the chat belongs to.
    await requests.follow_migration(context.session, old, new)
    await deliveries.move_chat(context.session, old, new)
    context.here = await here.resolve(context.session, message.chat.id, private=False)


async def _track_message(context: BuurtContext, message: Message) -> None:
    await _follow_migration(context, message)
    neighbourhood = context.here.neighbourhood_chat
    if neighbourhood is None:
        return
    session = context.session
    if message.new_chat_title:
        await neighbourhoods.rename(session, message.chat.id, message.new_chat_title)
    sender = message.from_user
    if sender is not None and not sender.is_bot and not message.left_chat_member:
        await note_presence(session, neighbourhood, person(sender), now=context.now)
    for member in message.new_chat_members or ():
        if not member.is_bot:
            await record_presence(session, neighbourhood, person(member), now=context.now)
    gone = message.left_chat_member
    if gone is not None and not gone.is_bot:
        await record_departure(session, neighbourhood, gone.id, now=context.now)


async def _track_member(context: BuurtContext, change: ChatMemberUpdated) -> None:
    neighbourhood = context.here.neighbourhood_chat
    member = change.new_chat_member.user
    if neighbourhood is None or member.is_bot:
        return
    if is_present(change):
        await record_presence(context.session, neighbourhood, person(member), now=context.now)
        return
    await record_departure(context.session, neighbourhood, member.id, now=context.now)
    if change.new_chat_member.status == ChatMemberStatus.BANNED:
        await record_ban(context.session, neighbourhood, person(member), now=context.now)
    elif change.old_chat_member.status == ChatMemberStatus.BANNED:
        await lift_ban(context.session, neighbourhood, member.id)


async def _track_bot(context: BuurtContext, change: ChatMemberUpdated) -> None:
    if change.new_chat_member.status not in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        return
    if await neighbourhoods.deactivate(context.session, change.chat.id, now=context.now):
        log.info("removed from neighbourhood %s; deactivated it", chat_in_log(change.chat.id))


async def track(update: Update, context: BuurtContext) -> None:
    if update.my_chat_member is not None:
        await _track_bot(context, update.my_chat_member)
    elif update.chat_member is not None:
        await _track_member(context, update.chat_member)
    elif update.message is not None:
        sender = update.message.from_user
        if update.message.chat.type != ChatType.PRIVATE:
            await _track_message(context, update.message)
        elif sender is not None:
            await see_user(context.session, person(sender), now=context.now)


def register(app: BuurtApplication) -> None:
    app.add_handler(TypeHandler(Update, track), group=TRACKING)
