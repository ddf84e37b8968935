"""Chats waiting for a link token: kept in the database, so a restart does not forget them.

When the bot is added to a chat without a token (some clients drop it), it waits
a few seconds for one. The wait is stored in the same transaction as the update
that started it; a token ends it, and so does the bot leaving. Whoever runs a due
wait takes it with FOR UPDATE SKIP LOCKED, so two bot processes never both do.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.dialect import insert
from models.entities import LinkFallback


async def wait_for_token(session: AsyncSession, chat_id: int, added_by: int, due: datetime) -> None:
    """Added without a token: unless one comes before `due`, fall back then."""
    statement = insert(session)(LinkFallback).values(chat_id=chat_id, added_by=added_by, due_at=due)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[LinkFallback.chat_id], set_={"added_by": added_by, "due_at": due}
        )
    )


async def stop_waiting(session: AsyncSession, chat_id: int) -> None:
    """A token came, or the bot left: no guessing for this chat."""
    await session.execute(delete(LinkFallback).where(LinkFallback.chat_id == chat_id))


async def next_due(session: AsyncSession, now: datetime, skip: set[int]) -> int | None:
    """The chat of a wait that is over (not one in `skip`), to ask about before taking it."""
    return await session.scalar(
        select(LinkFallback.chat_id)
        .where(LinkFallback.due_at <= now, LinkFallback.chat_id.not_in(skip))
        .order_by(LinkFallback.due_at)
        .limit(1)
    )


async def take_due(session: AsyncSession, chat_id: int, now: datetime) -> LinkFallback | None:
    """This chat's wait if it is over, for this transaction alone; gone once this commits.

    None if it ended meanwhile (a token came, the bot left) or another process has it.
    """
    found = await session.scalar(
        select(LinkFallback)
        .where(LinkFallback.chat_id == chat_id, LinkFallback.due_at <= now)
        .with_for_update(skip_locked=True)
    )
    if found is not None:
        await session.delete(found)
        await session.flush()
    return found


async def due_times(session: AsyncSession) -> list[datetime]:
    """When the stored waits end, soonest first: a restarted bot picks them up then."""
    result = await session.scalars(
        select(LinkFallback.due_at).order_by(LinkFallback.due_at).distinct()
    )
    return list(result)
