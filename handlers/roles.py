"""Who is asking: the roles that decide what a person may do in a chat."""

from __future__ import annotations

from telegram import Update

from bot.context import BuurtContext
from bot.here import Where, Who
from models import oversight

#: Commands that must not even be seen to exist by anyone else.
RESTRICTED = (Who.COORDINATOR, Who.FACILITATOR)


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
    if context.facts.sender_is_admin:  # asked of the messenger for this update
        found.add(Who.CHAT_ADMIN)
    home = here.neighbourhood
    if home is not None and await oversight.is_coordinator(context.session, user.id, home.id):
        found.add(Who.COORDINATOR)
    return found
