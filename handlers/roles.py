"""Who is asking: the roles that decide what a person may do in a chat."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.context import BuurtContext
from bot.here import Where, Who
from bot.logs import chat_in_log
from models import oversight

log = logging.getLogger(__name__)

ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


#: Commands that must not even be seen to exist by anyone else.
RESTRICTED = (Who.COORDINATOR, Who.FACILITATOR)


async def is_chat_admin(context: BuurtContext, chat_id: int, user_id: int) -> bool:
    """Asked of Telegram every time: admin lists change and must not be cached here."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        log.warning(
            "could not look up a member's status in %s", chat_in_log(chat_id), exc_info=True
        )
        return False
    return member.status in ADMIN_STATUSES


async def roles(update: Update, context: BuurtContext) -> set[Who]:
    """Facilitators may do everything; coordinators what concerns their neighbourhoods.

    Worked out once per update, on first use: a press on a card needs none of it.
    """
    scope = context.scope
    if scope is not None and scope.roles is not None:
        return scope.roles
    found = await _roles(update, context)
    if scope is not None:
        scope.roles = found
    return found


async def _roles(update: Update, context: BuurtContext) -> set[Who]:
    user, chat = update.effective_user, update.effective_chat
    found = {Who.EVERYONE}
    if user is None or chat is None:
        return found
    if context.config.is_facilitator(user.id):
        return set(Who)
    here = context.here
    if here.where is Where.PRIVATE:
        if await oversight.coordinated(context.session, user.id):
            found.add(Who.COORDINATOR)
        return found
    if await is_chat_admin(context, chat.id, user.id):
        found.add(Who.CHAT_ADMIN)
    home = here.neighbourhood
    if home is not None and await oversight.is_coordinator(context.session, user.id, home.id):
        found.add(Who.COORDINATOR)
    return found
