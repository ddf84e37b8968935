"""Who the bot has seen, and who lives in which neighbourhood.

These run for nearly every update, so they only write when something changed,
and a neighbour who was seen a moment ago, unchanged, is not looked up again
(see Presence).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from models.database import BotSession
from models.dialect import insert
from models.entities import Coordinator, Neighbourhood, Resident, User

#: Telegram's stand-ins for senders who are not one person: GroupAnonymousBot (every
#: anonymous admin of every chat), Channel_Bot (posts as a channel) and the service
#: account that forwards a linked channel's posts. None of them may own, link, claim or
#: coordinate anything.
NOT_A_PERSON = frozenset({1087968824, 136817688, 777000})
#: A last sighting is written at most this often, unless the username changed.
SEEN_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Person:
    """What Telegram tells us about a user, without any Telegram types."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None


def is_person(user_id: int) -> bool:
    """Whether an id stands for one human being, not a shared stand-in."""
    return user_id not in NOT_A_PERSON


async def see_user(session: AsyncSession, person: Person, *, now: datetime) -> User:
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
                first_seen_at=now,
                last_seen_at=now,
            )
            .on_conflict_do_nothing(index_elements=[User.id])
        )
        await session.execute(statement)
        await _take_username(session, person)
        user = await session.get(User, person.id)
        assert user is not None
        return user
    if user.username != person.username:
        user.last_seen_at = now
        await _take_username(session, person)
    elif user.last_seen_at is None or user.last_seen_at <= now - SEEN_EVERY:
        user.last_seen_at = now
    if (user.first_name, user.username, user.language_code) != (
        person.first_name,
        person.username,
        person.language_code,
    ):
        user.first_name = person.first_name
        user.username = person.username
        user.language_code = person.language_code
    return user


async def _take_username(session: AsyncSession, person: Person) -> None:
    """Telegram gives a username to one person at a time: whoever we see with it has it."""
    if person.username is None:
        return
    await session.execute(
        update(User)
        .where(func.lower(User.username) == person.username.lower(), User.id != person.id)
        .values(username=None)
        .execution_options(synchronize_session="fetch")
    )


@dataclass(frozen=True)
class Named:
    """Whom an @username means: its current holder, or nobody, or too close to call."""

    user: User | None
    ambiguous: bool = False


async def by_username(session: AsyncSession, username: str) -> Named:
    """The person who holds `username` now, as far as the bot has seen.

    Telegram lets a username pass from one person to another. Whoever the bot sees
    with it takes it from everyone else it stored (see_user); people stored before that
    rule can still share one, and then whoever was seen last holds it. With no sighting
    to tell them apart, nobody is guessed.
    """
    found = list(
        await session.scalars(
            select(User)
            .where(func.lower(User.username) == username.removeprefix("@").lower())
            .order_by(User.last_seen_at.desc().nulls_last(), User.id)
            .limit(2)
        )
    )
    if not found:
        return Named(None)
    if len(found) == 2 and found[0].last_seen_at == found[1].last_seen_at:
        return Named(None, ambiguous=True)
    return Named(found[0])


async def mark_started(session: AsyncSession, person: Person, *, now: datetime) -> User:
    """Remember that this user opened a DM with the bot, so it may message them."""
    user = await see_user(session, person, now=now)
    if user.started_at is None:
        user.started_at = now
    return user


async def record_presence(
    session: AsyncSession, neighbourhood: Neighbourhood, person: Person, *, now: datetime
) -> Resident:
    """The person was seen in the neighbourhood chat, so they live there (again)."""
    await see_user(session, person, now=now)
    resident = await session.scalar(
        select(Resident).where(
            Resident.neighbourhood_id == neighbourhood.id, Resident.user_id == person.id
        )
    )
    if resident is None:
        await session.execute(
            insert(session)(Resident)
            .values(neighbourhood_id=neighbourhood.id, user_id=person.id, joined_at=now)
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
        resident.joined_at = now
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


@event.listens_for(BotSession, "after_commit")
def _committed(session: Session) -> None:
    presence = _presence(session)
    if presence is None:
        return
    if gone := session.info.pop("presence_gone", None):
        presence._forget(gone)
    if seen := session.info.pop("presence_seen", None):
        presence._confirm(seen)


@event.listens_for(BotSession, "after_soft_rollback")
def _rolled_back(session: Session, _transaction: Any) -> None:
    session.info.pop("presence_seen", None)
    session.info.pop("presence_gone", None)


async def note_presence(
    session: AsyncSession, neighbourhood: Neighbourhood, person: Person, *, now: datetime
) -> None:
    """record_presence for someone who just wrote in the chat: free if lately confirmed."""
    presence = _presence(session)
    if presence is not None and presence.knows(neighbourhood.id, person):
        return
    version = presence._version if presence is not None else 0
    await record_presence(session, neighbourhood, person, now=now)
    if presence is not None:
        session.info.setdefault("presence_seen", []).append((neighbourhood.id, person, version))


def _gone(session: AsyncSession, neighbourhood: Neighbourhood, user_id: int) -> None:
    presence = _presence(session)
    if presence is not None:
        presence._forget([(neighbourhood.id, user_id)])
        session.info.setdefault("presence_gone", []).append((neighbourhood.id, user_id))


async def _end_role(session: AsyncSession, neighbourhood: Neighbourhood, user_id: int) -> None:
    """Whoever is no longer in the neighbourhood no longer looks after it."""
    await session.execute(
        delete(Coordinator).where(
            Coordinator.neighbourhood_id == neighbourhood.id, Coordinator.user_id == user_id
        )
    )


async def record_departure(
    session: AsyncSession, neighbourhood: Neighbourhood, user_id: int, *, now: datetime
) -> None:
    """The person left or was removed; the row stays so history keeps its shape."""
    _gone(session, neighbourhood, user_id)
    await _end_role(session, neighbourhood, user_id)
    resident = await session.scalar(
        select(Resident).where(
            Resident.neighbourhood_id == neighbourhood.id, Resident.user_id == user_id
        )
    )
    if resident is not None and resident.left_at is None:
        resident.left_at = now


async def record_ban(
    session: AsyncSession, neighbourhood: Neighbourhood, person: Person, *, now: datetime
) -> None:
    """Banned from the neighbourhood chat: kept out of all of its groups too."""
    _gone(session, neighbourhood, person.id)
    await _end_role(session, neighbourhood, person.id)
    resident = await record_presence(session, neighbourhood, person, now=now)
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
