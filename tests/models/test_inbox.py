"""The inbox and the outbox's rows against a real database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from models import database, deliveries, inbox
from models.entities import InboxState, InboxUpdate, OutboxMessage, User
from tests.conftest import utcnow


def _arrival(update_id: int, chat_id: int = -1) -> inbox.Arrival:
    return inbox.Arrival(update_id, chat_id, f'{{"update_id": {update_id}}}')


async def test_an_update_stored_twice_is_kept_once_and_handled_once(engine: AsyncEngine):
    sessionmaker = database.sessionmaker(engine)
    async with sessionmaker() as session:
        await inbox.store(session, [_arrival(7), _arrival(8)], now=utcnow())
        await inbox.store(session, [_arrival(7)], now=utcnow())  # Telegram sent it again
        await session.commit()
    async with sessionmaker() as session:
        assert [row.update_id for row in await inbox.pending(session)] == [7, 8]
        assert await inbox.begin(session, 7, now=utcnow())
        await session.commit()
    async with sessionmaker() as session:
        assert not await inbox.begin(session, 7, now=utcnow())  # a second delivery finds it handled
        # and a late copy does not revive it
        await inbox.store(session, [_arrival(7)], now=utcnow())
        await session.commit()
    async with sessionmaker() as session:
        row = await session.get(InboxUpdate, 7)
        assert row is not None and row.state == InboxState.DONE
        assert row.payload is None  # the content is gone once handled
        assert [row.update_id for row in await inbox.pending(session)] == [8]


async def test_taking_an_update_is_undone_with_its_transaction(session: AsyncSession):
    await inbox.store(session, [_arrival(1)], now=utcnow())
    await session.commit()
    assert await inbox.begin(session, 1, now=utcnow())
    await session.rollback()  # the handler failed: its effects and the mark go together
    assert [row.update_id for row in await inbox.pending(session)] == [1]


async def test_two_workers_racing_for_one_update_handle_it_once(engine: AsyncEngine):
    sessionmaker = database.sessionmaker(engine)
    async with sessionmaker() as session:
        await inbox.store(session, [_arrival(1)], now=utcnow())
        await session.commit()

    async def take() -> bool:
        async with sessionmaker() as session:
            taken = await inbox.begin(session, 1, now=utcnow())
            await asyncio.sleep(0.05)  # hold the transaction open, as a handler would
            await session.commit()
            return taken

    assert sorted(await asyncio.gather(*(take() for _ in range(10)))) == [False] * 9 + [True]


async def test_failures_park_an_update_and_retry_brings_it_back(session: AsyncSession):
    await inbox.store(session, [_arrival(1), _arrival(2)], now=utcnow())
    for attempt in range(1, inbox.MAX_ATTEMPTS + 1):
        await inbox.failed(session, 1, "IntegrityError", park=attempt == inbox.MAX_ATTEMPTS)
    await session.commit()
    parked = await inbox.parked(session)
    assert [(row.update_id, row.attempts, row.error) for row in parked] == [
        (1, 3, "IntegrityError")
    ]
    assert [row.update_id for row in await inbox.pending(session)] == [2]  # not held up
    assert await inbox.retry(session, [1]) == 1
    assert [row.update_id for row in await inbox.pending(session)] == [1, 2]
    row = await session.get(InboxUpdate, 1)
    assert row is not None and row.attempts == 0


async def test_dropping_a_parked_update_forgets_its_content(session: AsyncSession):
    await inbox.store(session, [_arrival(1), _arrival(2)], now=utcnow())
    await inbox.failed(session, 1, "ValueError", park=True)
    await inbox.failed(session, 2, "ValueError", park=True)
    assert await inbox.drop(session, None, now=utcnow()) == 2
    rows = (await session.scalars(select(InboxUpdate))).all()
    assert {(row.state, row.payload) for row in rows} == {(InboxState.DONE, None)}


async def test_handled_ids_are_forgotten_after_two_days(session: AsyncSession):
    await inbox.store(session, [_arrival(1), _arrival(2)], now=utcnow())
    await inbox.begin(session, 1, now=utcnow())
    now = utcnow()
    assert await inbox.forget_handled(session, now) == 0
    assert await inbox.forget_handled(session, now + inbox.REMEMBER_DONE + timedelta(1)) == 1
    assert [row.update_id for row in await inbox.pending(session)] == [2]


async def test_parked_updates_are_given_up_after_a_week(session: AsyncSession):
    await inbox.store(session, [_arrival(1)], now=utcnow())
    await inbox.failed(session, 1, "ValueError", park=True)
    now = utcnow()
    await inbox.forget_handled(session, now + timedelta(days=6))
    assert len(await inbox.parked(session)) == 1
    await inbox.forget_handled(session, now + inbox.KEEP_PARKED + timedelta(hours=1))
    assert await inbox.parked(session) == []
    row = await session.get(InboxUpdate, 1)
    assert row is not None and row.payload is None


async def test_pending_pages_through_in_update_order(session: AsyncSession):
    await inbox.store(session, [_arrival(n) for n in (5, 3, 9, 1)], now=utcnow())
    first = await inbox.pending(session, limit=2)
    rest = await inbox.pending(session, after=first[-1].update_id)
    assert [row.update_id for row in first + rest] == [1, 3, 5, 9]


async def test_outbox_rows_are_leased_kept_in_order_and_deleted_once(session: AsyncSession):
    rows = [OutboxMessage(chat_id=-5, kind="send", params="{}", attempts=0) for _ in range(3)]
    await deliveries.add(session, rows, now=utcnow())
    await session.commit()
    now = utcnow()
    assert await deliveries.chats_due(session, now) == []  # leased to the writer
    assert await deliveries.chats_due(session, now + deliveries.LEASE * 2) == [-5]
    assert [row.id for row in await deliveries.of_chat(session, -5)] == [r.id for r in rows]
    await deliveries.postpone(session, rows[0].id, now + timedelta(minutes=1))
    assert await deliveries.delivered(session, rows[1].id)
    assert not await deliveries.delivered(session, rows[1].id)  # someone else had it
    await session.commit()
    left = await deliveries.of_chat(session, -5)
    assert [(row.id, row.attempts) for row in left] == [(rows[0].id, 1), (rows[2].id, 0)]
    assert await deliveries.count(session) == 2


async def test_an_unreachable_person_is_no_longer_counted_as_started(session: AsyncSession):
    session.add(User(id=42, first_name="Piet", first_seen_at=utcnow(), started_at=utcnow()))
    await session.commit()
    await deliveries.unreachable(session, 42)
    await session.commit()
    user = await session.get(User, 42, populate_existing=True)
    assert user is not None and user.started_at is None
