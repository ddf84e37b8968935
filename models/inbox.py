"""The inbox: Telegram's updates, kept from arrival until they are handled.

An update is stored before Telegram hears that we have it, and marked handled
in the same transaction as its effects. So a crash loses nothing, and an
update that arrives twice has its effects once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.dialect import insert
from models.entities import InboxState, InboxUpdate

#: A failing update is tried this often before it is parked.
MAX_ATTEMPTS = 3
#: Telegram redelivers an unacknowledged update for up to 24 hours; remember ids twice that.
REMEMBER_DONE = timedelta(days=2)
#: A parked update holds what someone wrote; after this long nobody will retry it.
KEEP_PARKED = timedelta(days=7)


@dataclass(frozen=True)
class Arrival:
    update_id: int
    chat_id: int | None
    payload: str


async def store(session: AsyncSession, arrivals: Sequence[Arrival], *, now: datetime) -> None:
    """Keep new updates; one we already have (pending or handled) is left alone."""
    if not arrivals:
        return
    statement = insert(session)(InboxUpdate).values(
        [
            {
                "update_id": a.update_id,
                "chat_id": a.chat_id,
                "payload": a.payload,
                "state": InboxState.PENDING,
                "attempts": 0,
                "received_at": now,
            }
            for a in arrivals
        ]
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=["update_id"]))


async def begin(session: AsyncSession, update_id: int, *, now: datetime) -> bool:
    """Take a pending update for this transaction; False if it is handled already.

    The row is marked handled (and its content dropped) at once: if the
    transaction rolls back, so does this. Taking it first also makes a second
    worker wait here, and then find it handled.
    """
    result = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == update_id, InboxUpdate.state == InboxState.PENDING)
        .values(state=InboxState.DONE, payload=None, handled_at=now, error=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def failed(session: AsyncSession, update_id: int, error: str, *, park: bool) -> None:
    """Count a failed try; a parked update no longer holds up anything."""
    row = await session.get(InboxUpdate, update_id, with_for_update=True)
    if row is None or row.state != InboxState.PENDING:
        return
    row.attempts += 1
    row.error = error[:64]
    if park:
        row.state = InboxState.PARKED


async def pending(session: AsyncSession, after: int = -1, limit: int = 500) -> list[InboxUpdate]:
    """Unhandled updates, oldest first: after a restart they go before anything new."""
    result = await session.scalars(
        select(InboxUpdate)
        .where(InboxUpdate.state == InboxState.PENDING, InboxUpdate.update_id > after)
        .order_by(InboxUpdate.update_id)
        .limit(limit)
    )
    return list(result)


async def parked(session: AsyncSession) -> list[InboxUpdate]:
    result = await session.scalars(
        select(InboxUpdate)
        .where(InboxUpdate.state == InboxState.PARKED)
        .order_by(InboxUpdate.update_id)
    )
    return list(result)


async def retry(session: AsyncSession, update_ids: Sequence[int] | None) -> int:
    """Give parked updates (these, or all) another round of tries."""
    statement = update(InboxUpdate).where(InboxUpdate.state == InboxState.PARKED)
    if update_ids is not None:
        statement = statement.where(InboxUpdate.update_id.in_(update_ids))
    result = await session.execute(statement.values(state=InboxState.PENDING, attempts=0))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def drop(session: AsyncSession, update_ids: Sequence[int] | None, *, now: datetime) -> int:
    """Give up on parked updates (these, or all), and forget their content."""
    statement = update(InboxUpdate).where(InboxUpdate.state == InboxState.PARKED)
    if update_ids is not None:
        statement = statement.where(InboxUpdate.update_id.in_(update_ids))
    result = await session.execute(
        statement.values(state=InboxState.DONE, payload=None, handled_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def forget_handled(session: AsyncSession, now: datetime) -> int:
    """Handled ids are needed only while Telegram might still send them again; parked
    updates are given up after a week, so what people wrote does not linger."""
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.state == InboxState.PARKED, InboxUpdate.received_at < now - KEEP_PARKED)
        .values(state=InboxState.DONE, payload=None, handled_at=now)
    )
    result = await session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.state == InboxState.DONE, InboxUpdate.handled_at < now - REMEMBER_DONE
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
