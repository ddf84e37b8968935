"""An invite link made after the transaction is kept; one made for a group that ended is closed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.outbox import Kind
from bot.receipts import Settling
from handlers.receipts import InviteLinkMade
from models import groups
from tests.conftest import utcnow
from tests.models.test_scheduler import OWNER, _group, _home


async def test_a_made_link_is_kept_for_invite(session: AsyncSession) -> None:
    group = await _group(session, await _home(session), -100, utcnow())
    settling = Settling(session, utcnow(), Translator("nl"))
    await InviteLinkMade(group.id).made(settling, "https://t.me/+abc")
    assert await groups.current_invite_link(session, group) == "https://t.me/+abc"
    assert settling.outbox.rows == []


async def test_a_link_made_for_a_group_that_ended_is_closed_again(session: AsyncSession) -> None:
    group = await _group(session, await _home(session), -100, utcnow())
    await groups.dissolve(session, group, by=OWNER.id, reason="done", now=utcnow())
    settling = Settling(session, utcnow(), Translator("nl"))
    await InviteLinkMade(group.id).made(settling, "https://t.me/+late")
    assert await groups.current_invite_link(session, group) is None
    (revoke,) = settling.outbox.rows
    assert (revoke.kind, revoke.chat_id) == (Kind.REVOKE, -100)
    assert "https://t.me/+late" in revoke.params
