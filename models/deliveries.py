"""The outbox's rows: what must still reach Telegram, per chat in order.

Rows are written in the transaction whose change they tell about, and deleted
once Telegram has them. A row that could not be delivered yet waits, and so do
the rows behind it for the same chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.entities import OutboxMessage, User

#: How long the process that wrote a row has to deliver it before anyone else may.
LEASE = timedelta(seconds=30)


async def add(session: AsyncSession, rows: Sequence[OutboxMessage], *, now: datetime) -> None:
    """Queue rows with this transaction; their ids are known when this returns."""
    lease = now + LEASE
    for row in rows:
        row.created_at, row.next_attempt_at = now, lease
    session.add_all(rows)
    await session.flush()


async def chats_due(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    """Chats with a row whose turn has come (a retry, or one left by a stopped process)."""
    result = await session.scalars(
        select(OutboxMessage.chat_id)
        .distinct()
        .where(OutboxMessage.next_attempt_at <= now)
        .limit(limit)
    )
    return list(result)


async def chats_waiting(session: AsyncSession) -> list[int]:
    result = await session.scalars(select(OutboxMessage.chat_id).distinct())
    return list(result)


async def of_chat(session: AsyncSession, chat_id: int, limit: int = 50) -> list[OutboxMessage]:
    result = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(result)


async def move_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: what waited for the old chat goes to the new one."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == old_chat_id)
        .values(chat_id=new_chat_id)
    )


async def delivered(session: AsyncSession, row_id: int) -> bool:
    """Telegram has it; False if another process delivered it first."""
    result = await session.execute(delete(OutboxMessage).where(OutboxMessage.id == row_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def attempting(session: AsyncSession, row_id: int, attempts: int) -> bool:
    """A row sent at most once is about to be tried: recorded before the call, so that a
    crash during it cannot send it again. False if another process took it first."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.attempts == attempts)
        .values(attempts=attempts + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def postpone(
    session: AsyncSession, row_id: int, until: datetime, params: str | None = None
) -> None:
    """Try again at `until`; `params` replaces the row's when given."""
    values: dict[str, object] = {"attempts": OutboxMessage.attempts + 1, "next_attempt_at": until}
    if params is not None:
        values["params"] = params
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(values))


async def unreachable(session: AsyncSession, user_id: int) -> None:
    """Blocked, or never started: no more messages until they /start again."""
    await session.execute(update(User).where(User.id == user_id).values(started_at=None))


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
