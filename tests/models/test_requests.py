"""Requests against real databases: one claimer among many, and each state's rules."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from models import RequestKind, RequestState, database, neighbourhoods, requests
from models.people import Person, see_user
from tests.conftest import utcnow

ASKER = Person(1, "Anna")


async def _setup(session: AsyncSession, helpers: int = 0) -> tuple[int, int]:
    registration = await neighbourhoods.register(
        session,
        chat_id=-100,
        title="Kerklaan",
        created_by=1,
        language="nl",
        timezone="UTC",
        now=utcnow(),
    )
    await see_user(session, ASKER, now=utcnow())
    for n in range(helpers):
        await see_user(session, Person(100 + n, f"Buur{n}"), now=utcnow())
    request = await requests.post(
        session,
        requests.Draft(RequestKind.ASK, "boodschappen"),
        asker_id=ASKER.id,
        chat_id=-100,
        neighbourhood_id=registration.neighbourhood.id,
        group_id=None,
        limit=10,
        now=utcnow(),
    )
    await session.commit()
    return request.id, registration.neighbourhood.id


CLAIMERS = 50


async def test_fifty_concurrent_claims_make_one_claimer(engine: AsyncEngine):
    make = database.sessionmaker(engine)
    async with make() as session:
        request_id, _ = await _setup(session, helpers=CLAIMERS)
    # On PostgreSQL all fifty hold a transaction before anyone claims, so they race inside
    # the server. SQLite's BEGIN IMMEDIATE admits one writer at a time: holding fifty open
    # would only wait out busy_timeout, so there they start together and queue on the lock.
    hold_first = engine.dialect.name == "postgresql"
    start = asyncio.Barrier(CLAIMERS)

    async def claim(helper: int) -> str:
        async with make() as session:
            if hold_first:
                await session.execute(select(1))
            await start.wait()
            try:
                await requests.claim(session, request_id, 100 + helper, now=utcnow())
            except requests.RequestError as error:
                await session.rollback()
                return error.code
            await session.commit()
            return "won"

    outcomes = await asyncio.gather(*(claim(n) for n in range(CLAIMERS)))
    assert outcomes.count("won") == 1, outcomes
    assert outcomes.count("taken") == CLAIMERS - 1, outcomes
    async with make() as session:
        request = await requests.load(session, request_id)
        assert request.state == RequestState.CLAIMED
        assert request.claimer_id == 100 + outcomes.index("won")


async def test_each_change_checks_who_and_when(session: AsyncSession):
    request_id, _ = await _setup(session, helpers=2)
    with pytest.raises(requests.RequestError, match="own"):
        await requests.claim(session, request_id, ASKER.id, now=utcnow())
    with pytest.raises(requests.RequestError, match="stale"):
        await requests.finish(session, request_id, ASKER.id, now=utcnow())  # nobody claimed it yet
    await requests.claim(session, request_id, 100, now=utcnow())
    with pytest.raises(requests.RequestError, match="not_claimer"):
        await requests.release(session, request_id, 101)
    with pytest.raises(requests.RequestError, match="not_involved"):
        await requests.finish(session, request_id, 101, now=utcnow())
    with pytest.raises(requests.RequestError, match="not_asker"):
        await requests.cancel(session, request_id, 101, now=utcnow())
    done = await requests.finish(session, request_id, 100, now=utcnow())
    assert done.state == RequestState.DONE and done.closed_by == 100
    with pytest.raises(requests.RequestError, match="stale"):
        await requests.cancel(session, request_id, ASKER.id, now=utcnow())


async def test_a_moderator_cancels_with_a_reason(session: AsyncSession):
    request_id, _ = await _setup(session)
    cancelled = await requests.cancel(
        session, request_id, 999, moderator=True, reason="dubbel", now=utcnow()
    )
    assert (cancelled.state, cancelled.cancel_reason) == (RequestState.CANCELLED, "dubbel")


async def test_limits(session: AsyncSession):
    _, neighbourhood_id = await _setup(session)

    async def post(text: str, limit: int = 10) -> None:
        await requests.post(
            session,
            requests.Draft(RequestKind.OFFER, text),
            asker_id=ASKER.id,
            chat_id=-100,
            neighbourhood_id=neighbourhood_id,
            group_id=None,
            limit=limit,
            now=utcnow(),
        )

    with pytest.raises(requests.RequestError, match="text"):
        await post("")
    with pytest.raises(requests.RequestError, match="text"):
        await post("x" * 501)
    await post("x" * 500)
    with pytest.raises(requests.RequestError, match="limit"):
        await post("nog een", limit=2)  # the fixture's ask and the one above are open


async def test_giving_an_offer_counts_as_helping_and_taking_one_does_not(session: AsyncSession):
    ask_id, home_id = await _setup(session, helpers=1)
    offer = await requests.post(
        session,
        requests.Draft(RequestKind.OFFER, "een ladder"),
        asker_id=ASKER.id,
        chat_id=-100,
        neighbourhood_id=home_id,
        group_id=None,
        limit=10,
        now=utcnow(),
    )
    for request_id in (ask_id, offer.id):
        await requests.claim(session, request_id, 100, now=utcnow())
        await requests.finish(session, request_id, ASKER.id, now=utcnow())
    giver, taker = (
        await requests.mine(session, ASKER.id, now=utcnow()),
        await requests.mine(session, 100, now=utcnow()),
    )
    assert [r.id for r in giver.helped_this_month] == [offer.id]
    assert [r.id for r in taker.helped_this_month] == [ask_id]
