"""What the bot records once its messages are out: the kinds of receipt flows give.

Each knows its part of the domain, so the courier (bot/courier.py) needs not.
"""

from __future__ import annotations

import logging

from bot.i18n import Translator
from bot.outbox import Outbox
from bot.receipts import Receipt, Settling
from handlers.nudges import nudge_message, owner_message
from models import groups, joining, nudges, requests
from models.entities import Group, GroupStatus

log = logging.getLogger(__name__)


class CardShown(Receipt):
    """A request's card: its message id, so that it can be edited and pressed later."""

    name = "card"

    async def sent(self, settling: Settling, message_id: int | None) -> None:
        if message_id is not None:
            await requests.set_card(settling.session, self.id, message_id)


class NudgeShown(Receipt):
    """A nudge in a group: sent (with its message id, for the answer), or not.

    Once it is surely out, the owner of a group that ignored one before is told by DM.
    """

    name = nudges.RECEIPT

    async def sent(self, settling: Settling, message_id: int | None) -> None:
        recorded = await nudges.sent(settling.session, self.id, message_id, settling.now)
        if not recorded or message_id is None:
            return  # taken over meanwhile, or perhaps not out: the owner is not told
        notice = await nudges.owner_notice(settling.session, self.id)
        if notice is not None:
            _ = settling.translator.choose(notice.owner_language)
            settling.outbox.send(notice.owner_id, owner_message(_, notice), background=True)

    async def refused(self, settling: Settling) -> None:
        await nudges.not_sent(settling.session, self.id)


def queue_nudge(
    outbox: Outbox, translator: Translator, nudge: nudges.Outgoing, *, by_round: bool
) -> None:
    """A nudge with its buttons, in its group's language; its receipt tells the owner.

    A round's nudge is sent at most once and behind residents' messages; one asked for
    with /nudge is an ordinary message.
    """
    text, choices = nudge_message(translator.get(nudge.language), nudge)
    outbox.send(
        nudge.chat_id,
        text,
        choices=choices,
        receipt=NudgeShown(nudge.nudge_id),
        once=by_round,
        background=by_round,
    )


class PromptShown(Receipt):
    """A join request put to a decider: its message id, to take the buttons off later."""

    name = "prompt"

    async def sent(self, settling: Settling, message_id: int | None) -> None:
        if message_id is not None:
            await joining.prompt_sent(settling.session, self.id, message_id)


class InviteLinkMade(Receipt):
    """A group's join-request link, made by the messenger: kept, for /invite to hand out."""

    name = "invite_link"

    async def made(self, settling: Settling, link: str) -> None:
        group = await settling.session.get(Group, self.id)
        if group is None or group.chat_id is None:
            return
        await groups.add_invite_link(settling.session, group, link, now=settling.now)
        if group.status != GroupStatus.ACTIVE:  # it ended meanwhile: the link closes too
            await groups.revoke_invite_links(settling.session, group, now=settling.now)
            settling.outbox.revoke(group.chat_id, link)

    async def refused(self, settling: Settling) -> None:
        log.warning("no invite link could be made for group %s", self.id)


#: Every kind, for the app factory to give to the courier.
KINDS: tuple[type[Receipt], ...] = (CardShown, NudgeShown, PromptShown, InviteLinkMade)
