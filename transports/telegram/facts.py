"""Asking Telegram what an update's flow needs to know, before its transaction opens.

The flows say what they need (`handlers.commands.needs`, `handlers.linking.PRESS_NEEDS`);
this module reads an update to find the flow it goes to, and asks Telegram only then.
A failed question counts as "no": no admin, no rights, no admins known.
"""

from __future__ import annotations

import logging

from telegram import Bot, ChatMember, ChatMemberAdministrator, Update
from telegram.constants import ChatMemberStatus, ChatType, MessageEntityType
from telegram.error import TelegramError

from bot import choices
from bot.facts import NONE, Facts, Need, Rights
from bot.logs import chat_in_log
from handlers.commands import needs as command_needs
from handlers.linking import PRESS_NEEDS
from handlers.people import person

log = logging.getLogger(__name__)

ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


def needs(update: Update, bot_username: str | None) -> frozenset[Need]:
    """What the update's flow will ask: only group chats have admins and rights."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return frozenset()
    query = update.callback_query
    if query is not None:
        choice = choices.decode(query.data) if isinstance(query.data, str) else None
        return PRESS_NEEDS.get(type(choice), frozenset())
    message = update.message
    if message is None or not message.text or not message.entities:
        return frozenset()
    first = message.entities[0]
    if first.type != MessageEntityType.BOT_COMMAND or first.offset != 0:
        return frozenset()
    name, _, addressee = message.text[1 : first.length].partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return frozenset()  # a command for another bot
    return command_needs(name, message.text[first.length :].strip())


async def for_update(bot: Bot, update: object) -> Facts:
    if not isinstance(update, Update):
        return NONE
    wanted = needs(update, bot.username)
    chat, user = update.effective_chat, update.effective_user
    if not wanted or chat is None:
        return NONE
    facts = await for_chat(bot, chat.id, wanted - {Need.SENDER_IS_ADMIN})
    if Need.SENDER_IS_ADMIN in wanted and user is not None:
        member = await _member(bot, chat.id, user.id)
        admin = member is not None and member.status in ADMIN_STATUSES
        facts = Facts(admin, facts.bot_rights, facts.admins)
    return facts


async def for_chat(bot: Bot, chat_id: int, wanted: frozenset[Need]) -> Facts:
    """The bot's rights and the chat's admins, as far as they are wanted."""
    rights = None
    if Need.BOT_RIGHTS in wanted:
        member = await _member(bot, chat_id, bot.id)
        invite, restrict = _rights(member)
        admin = member is not None and member.status == ChatMemberStatus.ADMINISTRATOR
        rights = Rights(invite, restrict, sees_messages=bot.can_read_all_group_messages or admin)
    admins = None
    if Need.ADMINS in wanted:
        try:
            found = await bot.get_chat_administrators(chat_id)
        except TelegramError:
            log.warning("could not list the admins of %s", chat_in_log(chat_id), exc_info=True)
            found = ()
        admins = tuple(person(member.user) for member in found if not member.user.is_bot)
    return Facts(bot_rights=rights, admins=admins)


def _rights(member: ChatMember | None) -> tuple[bool, bool]:
    """(can invite users, can restrict members)."""
    if isinstance(member, ChatMemberAdministrator):
        return member.can_invite_users, member.can_restrict_members
    return False, False


async def _member(bot: Bot, chat_id: int, user_id: int) -> ChatMember | None:
    try:
        return await bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        log.warning(
            "could not look up a member's status in %s", chat_in_log(chat_id), exc_info=True
        )
        return None
