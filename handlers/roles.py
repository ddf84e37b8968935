"""Who is asking: the roles that decide what a person may do in a chat."""

from __future__ import annotations

import enum
import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.context import BuurtContext
from bot.logs import chat_in_log
from models import groups, neighbourhoods, oversight

log = logging.getLogger(__name__)

ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


class Where(enum.Flag):
    PRIVATE = enum.auto()
    NEIGHBOURHOOD = enum.auto()  # a group chat registered with /setup
    GROUP = enum.auto()  # an ad-hoc group's chat
    OTHER = enum.auto()  # any other group chat
    GROUP_CHATS = NEIGHBOURHOOD | GROUP | OTHER
    NEIGHBOURHOOD_CHATS = NEIGHBOURHOOD | GROUP  # the chats a neighbourhood's members share
    ANYWHERE = PRIVATE | GROUP_CHATS


class Who(enum.Enum):
    EVERYONE = "everyone"
    CHAT_ADMIN = "chat admin"  # or a facilitator
    COORDINATOR = "coordinator"  # of this neighbourhood (in a DM: of any), or a facilitator
    FACILITATOR = "facilitator"


#: Commands that must not even be seen to exist by anyone else.
RESTRICTED = (Who.COORDINATOR, Who.FACILITATOR)


async def chat_where(update: Update, session: AsyncSession) -> Where:
    """What kind of chat the update comes from, as far as commands are concerned."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return Where.PRIVATE
    if await neighbourhoods.find_active(session, chat.id) is not None:
        return Where.NEIGHBOURHOOD
    if await groups.active_in_chat(session, chat.id) is not None:
        return Where.GROUP
    return Where.OTHER


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


async def roles(update: Update, context: BuurtContext, where: Where | None = None) -> set[Who]:
    """Facilitators may do everything; coordinators what concerns their neighbourhoods."""
    user, chat = update.effective_user, update.effective_chat
    found = {Who.EVERYONE}
    if user is None or chat is None:
        return found
    if context.config.is_facilitator(user.id):
        return set(Who)
    where = where or await chat_where(update, context.session)
    if where is Where.PRIVATE:
        if await oversight.coordinated(context.session, user.id):
            found.add(Who.COORDINATOR)
        return found
    if await is_chat_admin(context, chat.id, user.id):
        found.add(Who.CHAT_ADMIN)
    home = await neighbourhoods.find_active(context.session, chat.id)
    if home is None:
        group = await groups.active_in_chat(context.session, chat.id)
        home_id = group.neighbourhood_id if group is not None else None
    else:
        home_id = home.id
    if home_id is not None and await oversight.is_coordinator(context.session, user.id, home_id):
        found.add(Who.COORDINATOR)
    return found
