"""Who the bot has seen, and who lives in which neighbourhood.

These run for nearly every update, so they only write when something changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.dialect import insert
from models.entities import Neighbourhood, Resident, User


@dataclass(frozen=True)
class Person:
    """What Telegram tells us about a user, without any Telegram types."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None


async def see_user(session: AsyncSession, person: Person) -> User:
    """Create or refresh a user; racing first sightings are settled by the database."""
    user = await session.get(User, person.id)
    if user is None:
        statement = (
            insert(session)(User)
            .values(
                id=person.id,
                first_name=person.first_name,
                username=person.username,
                language_code=person.language_code,
                first_seen_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=[User.id])
        )
        await session.execute(statement)
        user = await session.get(User, person.id)
        assert user is not None
        return user
    if (user.first_name, user.username, user.language_code) != (
        person.first_name,
        person.username,
        person.language_code,
    ):
        user.first_name = person.first_name
        user.username = person.username
        user.language_code = person.language_code
    return user


async def mark_started(session: AsyncSession, person: Person) -> User:
    """Remember that this user opened a DM with the bot, so it may message them."""
    user = await see_user(session, person)
    if user.started_at is None:
        user.started_at = utcnow()
    return user


async def record_presence(
    session: AsyncSession, neighbourhood: Neighbourhood, person: Person
) -> Resident:
    """The person was seen in the neighbourhood chat, so they live there (again)."""
    await see_user(session, person)
    resident = await session.scalar(
        select(Resident).where(
            Resident.neighbourhood_id == neighbourhood.id, Resident.user_id == person.id
        )
    )
    if resident is None:
        await session.execute(
            insert(session)(Resident)
            .values(neighbourhood_id=neighbourhood.id, user_id=person.id, joined_at=utcnow())
            .on_conflict_do_nothing(index_elements=[Resident.neighbourhood_id, Resident.user_id])
        )
        resident = await session.scalar(
            select(Resident).where(
                Resident.neighbourhood_id == neighbourhood.id, Resident.user_id == person.id
            )
        )
        assert resident is not None
    elif resident.left_at is not None:
        resident.left_at = None
        resident.joined_at = utcnow()
    return resident


async def record_departure(
    session: AsyncSession, neighbourhood: Neighbourhood, user_id: int
) -> None:
    """The person left or was removed; the row stays so history keeps its shape."""
    resident = await session.scalar(
        select(Resident).where(
            Resident.neighbourhood_id == neighbourhood.id, Resident.user_id == user_id
        )
    )
    if resident is not None and resident.left_at is None:
        resident.left_at = utcnow()


async def record_ban(session: AsyncSession, neighbourhood: Neighbourhood, person: Person) -> None:
    """Banned from the neighbourhood chat: kept out of all of its groups too."""
    resident = await record_presence(session, neighbourhood, person)
    now = utcnow()
    resident.left_at = now
    resident.banned_at = now


async def lift_ban(session: AsyncSession, neighbourhood: Neighbourhood, user_id: int) -> None:
    resident = await session.scalar(
        select(Resident).where(
            Resident.neighbourhood_id == neighbourhood.id, Resident.user_id == user_id
        )
    )
    if resident is not None:
        resident.banned_at = None


async def current_residents(session: AsyncSession, neighbourhood: Neighbourhood) -> list[Resident]:
    result = await session.scalars(
        select(Resident)
        .where(Resident.neighbourhood_id == neighbourhood.id, Resident.left_at.is_(None))
        .order_by(Resident.id)
    )
    return list(result)
