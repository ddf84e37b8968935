"""Who is asking: the roles that decide what a person may do in a chat."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.context import BuurtContext
from handlers.commands import Who

log = logging.getLogger(__name__)

ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


async def is_chat_admin(context: BuurtContext, chat_id: int, user_id: int) -> bool:
    """Asked of Telegram every time: admin lists change and must not be cached here."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        log.warning("could not look up a member's status in chat %s", chat_id, exc_info=True)
        return False
    return member.status in ADMIN_STATUSES


async def roles(update: Update, context: BuurtContext) -> set[Who]:
    user, chat = update.effective_user, update.effective_chat
    found = {Who.EVERYONE}
    if user is None or chat is None:
        return found
    if context.config.is_facilitator(user.id):
        found |= {Who.FACILITATOR, Who.CHAT_ADMIN}
    elif chat.type != ChatType.PRIVATE and await is_chat_admin(context, chat.id, user.id):
        found.add(Who.CHAT_ADMIN)
    return found
