"""Who the bot has seen, and who lives in which neighbourhood.

These run for nearly every update, so they only write when something changed,
and a neighbour who was seen a moment ago, unchanged, is not looked up again
(see Presence).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

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


class Presence:
    """Who was lately confirmed living where, under which name: as committed, never guessed.

    Most messages in a neighbourhood chat come from someone who wrote there a minute ago;
    for them note_presence needs no lookups at all. An entry is added only when its
    transaction commits, and only if no departure or ban anywhere happened since it was
    read; a departure or ban removes the person at once and again when it commits, so a
    transaction that read before it cannot bring them back. Entries expire after a
    while, so a change made outside this process is seen again soon.
    """

    #: Enough for every neighbour who wrote in the last ten minutes on a busy bot, in
    #: well under a megabyte; beyond it, the least recent are looked up again.
    def __init__(self, size: int = 2_000, ttl: float = 600.0) -> None:
        self.size, self.ttl = size, ttl
        self._seen: OrderedDict[tuple[int, int], tuple[Person, float]] = OrderedDict()
        self._version = 0  # moves on with every departure or ban

    def knows(self, neighbourhood_id: int, person: Person) -> bool:
        entry = self._seen.get((neighbourhood_id, person.id))
        return entry is not None and entry[0] == person and time.monotonic() < entry[1]

    def _confirm(self, seen: list[tuple[int, Person, int]]) -> None:
        until = time.monotonic() + self.ttl
        for neighbourhood_id, person, version in seen:
            if version != self._version:
                continue
            self._seen[neighbourhood_id, person.id] = (person, until)
            self._seen.move_to_end((neighbourhood_id, person.id))
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)

    def _forget(self, gone: list[tuple[int, int]]) -> None:
        self._version += 1
        for key in gone:
            self._seen.pop(key, None)


def _presence(session: AsyncSession | Session) -> Presence | None:
    found = session.info.get("presence")
    return found if isinstance(found, Presence) else None


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    presence = _presence(session)
    if presence is None:
        return
    if gone := session.info.pop("presence_gone", None):
        presence._forget(gone)
    if seen := session.info.pop("presence_seen", None):
        presence._confirm(seen)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _transaction: Any) -> None:
    session.info.pop("presence_seen", None)
    session.info.pop("presence_gone", None)


async def note_presence(
    session: AsyncSession, neighbourhood: Neighbourhood, person: Person
) -> None:
    """record_presence for someone who just wrote in the chat: free if lately confirmed."""
    presence = _presence(session)
    if presence is not None and presence.knows(neighbourhood.id, person):
        return
    version = presence._version if presence is not None else 0
    await record_presence(session, neighbourhood, person)
    if presence is not None:
        session.info.setdefault("presence_seen", []).append((neighbourhood.id, person, version))


def _gone(session: AsyncSession, neighbourhood: Neighbourhood, user_id: int) -> None:
    presence = _presence(session)
    if presence is not None:
        presence._forget([(neighbourhood.id, user_id)])
        session.info.setdefault("presence_gone", []).append((neighbourhood.id, user_id))


async def record_departure(
    session: AsyncSession, neighbourhood: Neighbourhood, user_id: int
) -> None:
    """The person left or was removed; the row stays so history keeps its shape."""
    _gone(session, neighbourhood, user_id)
    resident = await session.scalar(
        select(Resident).where(
            Resident.neighbourhood_id == neighbourhood.id, Resident.user_id == user_id
        )
    )
    if resident is not None and resident.left_at is None:
        resident.left_at = utcnow()


async def record_ban(session: AsyncSession, neighbourhood: Neighbourhood, person: Person) -> None:
    """Banned from the neighbourhood chat: kept out of all of its groups too."""
    _gone(session, neighbourhood, person.id)
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
