"""Registering neighbourhood chats and following them through Telegram's changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.entities import Neighbourhood


@dataclass(frozen=True)
class Registration:
    neighbourhood: Neighbourhood
    created: bool


async def find_active(session: AsyncSession, chat_id: int) -> Neighbourhood | None:
    return await session.scalar(
        select(Neighbourhood).where(Neighbourhood.chat_id == chat_id, Neighbourhood.active)
    )


async def register(
    session: AsyncSession,
    *,
    chat_id: int,
    title: str,
    created_by: int,
    language: str,
    timezone: str,
    now: datetime,
) -> Registration:
    """Make a chat a neighbourhood; a chat that was deactivated comes back with its history."""
    existing = await session.scalar(select(Neighbourhood).where(Neighbourhood.chat_id == chat_id))
    if existing is not None:
        if existing.active:
            return Registration(existing, created=False)
        existing.active = True
        existing.deactivated_at = None
        existing.title = title
        return Registration(existing, created=True)
    neighbourhood = Neighbourhood(
        chat_id=chat_id,
        title=title,
        created_by=created_by,
        language=language,
        timezone=timezone,
        created_at=now,
    )
    session.add(neighbourhood)
    await session.flush()
    return Registration(neighbourhood, created=True)


async def deactivate(session: AsyncSession, chat_id: int, *, now: datetime) -> Neighbourhood | None:
    """The bot was removed: stop acting for the chat but keep its data for a return."""
    neighbourhood = await find_active(session, chat_id)
    if neighbourhood is not None:
        neighbourhood.active = False
        neighbourhood.deactivated_at = now
    return neighbourhood


async def follow_migration(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> bool:
    """A group became a supergroup with a new id; the neighbourhood moves along."""
    neighbourhood = await session.scalar(
        select(Neighbourhood).where(Neighbourhood.chat_id == old_chat_id)
    )
    if neighbourhood is None:
        return False
    taken = await session.scalar(select(Neighbourhood).where(Neighbourhood.chat_id == new_chat_id))
    if taken is not None:
        return False
    neighbourhood.chat_id = new_chat_id
    return True


async def rename(session: AsyncSession, chat_id: int, title: str) -> None:
    neighbourhood = await find_active(session, chat_id)
    if neighbourhood is not None and neighbourhood.title != title:
        neighbourhood.title = title
