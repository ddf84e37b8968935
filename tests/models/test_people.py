"""Neighbourhoods, users and residents against a real database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models import Neighbourhood, Resident, User, database, neighbourhoods
from models.people import (
    Person,
    Presence,
    current_residents,
    mark_started,
    note_presence,
    record_departure,
    record_presence,
    see_user,
)
from tests.conftest import utcnow

ANNA = Person(1001, "Anna", "anna", "nl")
PIET = Person(1002, "Piet", None, "en")
BIG_ID = 7_999_999_999  # Telegram ids do not fit in 32 bits


async def _street(session: AsyncSession, chat_id: int = -100_123_456_789) -> Neighbourhood:
    registration = await neighbourhoods.register(
        session,
        chat_id=chat_id,
        title="Kerklaan",
        created_by=ANNA.id,
        language="nl",
        timezone="Europe/Amsterdam",
        now=utcnow(),
    )
    return registration.neighbourhood


async def test_register_twice_reports_existing(session: AsyncSession):
    first = await neighbourhoods.register(
        session, chat_id=-5, title="A", created_by=1, language="nl", timezone="UTC", now=utcnow()
    )
    second = await neighbourhoods.register(
        session, chat_id=-5, title="A", created_by=2, language="nl", timezone="UTC", now=utcnow()
    )
    assert first.created and not second.created
    assert second.neighbourhood.id == first.neighbourhood.id


async def test_deactivated_neighbourhood_comes_back_with_its_residents(session: AsyncSession):
    street = await _street(session)
    await record_presence(session, street, ANNA, now=utcnow())
    assert await neighbourhoods.deactivate(session, street.chat_id, now=utcnow()) is street
    assert await neighbourhoods.find_active(session, street.chat_id) is None
    again = await neighbourhoods.register(
        session,
        chat_id=street.chat_id,
        title="Kerklaan 2",
        created_by=2,
        language="nl",
        timezone="UTC",
        now=utcnow(),
    )
    assert again.created and again.neighbourhood.id == street.id and street.active
    assert [r.user_id for r in await current_residents(session, street)] == [ANNA.id]


async def test_big_telegram_ids_round_trip(session: AsyncSession):
    street = await _street(session, chat_id=-1_009_999_999_999)
    await record_presence(session, street, Person(BIG_ID, "Groot"), now=utcnow())
    await session.commit()
    session.expunge_all()
    user = await session.get(User, BIG_ID)
    assert user is not None and user.first_name == "Groot"
    assert await neighbourhoods.find_active(session, -1_009_999_999_999) is not None


async def test_presence_departure_and_return(session: AsyncSession):
    street = await _street(session)
    await record_presence(session, street, ANNA, now=utcnow())
    await record_presence(session, street, PIET, now=utcnow())
    await record_presence(session, street, ANNA, now=utcnow())  # seen again: still one row
    await record_departure(session, street, PIET.id, now=utcnow())
    assert [r.user_id for r in await current_residents(session, street)] == [ANNA.id]
    await record_presence(session, street, PIET, now=utcnow())
    residents = await current_residents(session, street)
    assert sorted(r.user_id for r in residents) == [ANNA.id, PIET.id]
    rows = await session.scalar(select(func.count()).select_from(Resident))
    assert rows == 2


async def test_see_user_refreshes_names_and_start(session: AsyncSession):
    await see_user(session, ANNA, now=utcnow())
    user = await see_user(session, Person(ANNA.id, "Anna-Marie", "am", "en"), now=utcnow())
    assert (user.first_name, user.username, user.language_code) == ("Anna-Marie", "am", "en")
    assert user.started_at is None
    started = await mark_started(session, ANNA, now=utcnow())
    assert started.started_at is not None
    first = started.started_at
    assert (await mark_started(session, ANNA, now=utcnow())).started_at == first


async def test_migration_moves_the_neighbourhood(session: AsyncSession):
    street = await _street(session, chat_id=-42)
    assert await neighbourhoods.follow_migration(session, -42, -100_42)
    assert street.chat_id == -100_42
    assert not await neighbourhoods.follow_migration(session, -42, -100_42)  # already moved


async def test_concurrent_writers_queue_instead_of_failing_or_losing_updates(tmp_path: Path):
    """Twenty read-modify-write transactions at once on one SQLite file.

    A deferred transaction would fail with "database is locked" when it upgrades
    its read lock; no transaction at all would lose increments. Both show here.
    """
    engine: AsyncEngine = database.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    await database.upgrade(engine)
    make = database.sessionmaker(engine)
    async with make() as session:
        street = await _street(session)
        street.title = "0"
        await session.commit()

    async def count_one(n: int) -> None:
        async with make() as session:
            found = await neighbourhoods.find_active(session, street.chat_id)  # read first
            assert found is not None
            await asyncio.sleep(0.005)  # let the others read meanwhile
            found.title = str(int(found.title) + 1)
            await record_presence(session, found, Person(2000 + n, f"P{n}"), now=utcnow())
            await session.commit()

    await asyncio.gather(*(count_one(n) for n in range(20)))
    async with make() as session:
        found = await neighbourhoods.find_active(session, street.chat_id)
        assert found is not None and found.title == "20"
        assert len(await current_residents(session, street)) == 20
    await engine.dispose()


@pytest.mark.parametrize("name", ["Ÿ̷̛ǫ", "مرحبا", "👩‍👩‍👧 Buurt <3 & co"])
async def test_any_unicode_title_is_stored(session: AsyncSession, name: str):
    street = await neighbourhoods.register(
        session, chat_id=-77, title=name, created_by=1, language="nl", timezone="UTC", now=utcnow()
    )
    await session.commit()
    session.expunge_all()
    again = await neighbourhoods.find_active(session, -77)
    assert again is not None and again.title == name and street.created


class Statements:
    """Counts the statements an engine runs: a remembered presence runs none."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1


async def _noted(
    make: async_sessionmaker[AsyncSession], street: Neighbourhood, who: Person, *, commit: bool
) -> None:
    async with make() as session:
        await note_presence(session, street, who, now=utcnow())
        if commit:
            await session.commit()


async def _resident(make: async_sessionmaker[AsyncSession], user_id: int) -> Resident:
    async with make() as session:
        found = await session.scalar(select(Resident).where(Resident.user_id == user_id))
        assert found is not None
        return found


async def _remembering(
    engine: AsyncEngine, presence: Presence
) -> tuple[async_sessionmaker[AsyncSession], Neighbourhood]:
    """Sessions that share `presence`, as the bot's do, and a committed neighbourhood."""
    make = database.sessionmaker(engine, {"presence": presence})
    async with make() as session:
        street = await _street(session)
        await session.commit()
    return make, street


async def test_a_presence_is_remembered_once_committed_and_only_then(engine: AsyncEngine):
    presence = Presence()
    make, street = await _remembering(engine, presence)
    statements = Statements(engine)

    await _noted(make, street, ANNA, commit=False)  # rolled back: nothing to remember
    assert not presence.knows(street.id, ANNA)
    await _noted(make, street, ANNA, commit=True)
    assert presence.knows(street.id, ANNA)
    before = statements.count
    await _noted(make, street, ANNA, commit=True)
    assert statements.count == before  # not a single lookup

    renamed = Person(ANNA.id, "Anna B.", "anna", "nl")  # a new name is looked up and stored
    await _noted(make, street, renamed, commit=True)
    assert statements.count > before
    async with make() as session:
        user = await session.get(User, ANNA.id)
        assert user is not None
        assert user.first_name == "Anna B."


async def test_a_departure_is_never_hidden_by_a_remembered_presence(engine: AsyncEngine):
    presence = Presence()
    make, street = await _remembering(engine, presence)
    await _noted(make, street, PIET, commit=True)

    # She leaves; when she writes again she is a resident again.
    async with make() as session:
        await record_departure(session, street, PIET.id, now=utcnow())
        await session.commit()
    assert not presence.knows(street.id, PIET)
    assert (await _resident(make, PIET.id)).left_at is not None
    await _noted(make, street, PIET, commit=True)
    assert (await _resident(make, PIET.id)).left_at is None

    # A message read before a departure, committed after it, must not be remembered.
    # (SQLite runs one transaction at a time, so only PostgreSQL can interleave them.)
    if engine.dialect.name == "sqlite":
        return
    renamed = Person(PIET.id, "Piet K.", None, "en")  # not remembered under this name: read
    async with make() as early, make() as leaving:
        await note_presence(early, street, renamed, now=utcnow())
        await record_departure(leaving, street, PIET.id, now=utcnow())
        await leaving.commit()
        await early.commit()
    assert not presence.knows(street.id, renamed)
    assert (await _resident(make, PIET.id)).left_at is not None


async def test_the_presence_memory_keeps_only_the_most_recent(engine: AsyncEngine):
    presence = Presence(size=1)
    make, street = await _remembering(engine, presence)
    await _noted(make, street, ANNA, commit=True)
    await _noted(make, street, PIET, commit=True)
    assert presence.knows(street.id, PIET)
    assert not presence.knows(street.id, ANNA)


def test_presence_hooks_listen_on_our_sessions_only():
    """Every other SQLAlchemy session in the process (a library's, a script's) is left alone."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from models import people
    from models.database import BotSession

    for name, hook in (
        ("after_commit", people._committed),
        ("after_soft_rollback", people._rolled_back),
    ):
        assert event.contains(BotSession, name, hook)
        assert not event.contains(Session, name, hook)
