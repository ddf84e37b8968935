"""Who holds a username, and who stands for no one person, against a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models import groups, neighbourhoods, oversight, requests
from models.entities import RequestKind, User
from models.people import NOT_A_PERSON, Person, by_username, see_user
from models.requests import Draft
from tests.conftest import utcnow

GROUP_ANONYMOUS_BOT = 1087968824


async def test_a_username_belongs_to_whoever_was_seen_with_it_last(session: AsyncSession):
    await see_user(session, Person(1, "Oud", "keesje"), now=utcnow())
    # Telegram let the name pass on
    await see_user(session, Person(2, "Nieuw", "keesje"), now=utcnow())
    assert (await by_username(session, "@KeesJe")).user.id == 2  # type: ignore[union-attr]
    old = await session.get(User, 1)
    assert old is not None and old.username is None  # it is no longer theirs
    await see_user(session, Person(1, "Oud", "keesje"), now=utcnow())  # and back again
    assert (await by_username(session, "keesje")).user.id == 1  # type: ignore[union-attr]


async def test_a_sighting_is_written_hourly_unless_the_username_changes(session: AsyncSession):
    user = await see_user(session, Person(1, "Anna", "anna"), now=utcnow())
    first = user.last_seen_at
    assert first is not None
    await see_user(session, Person(1, "Anna", "anna"), now=utcnow())
    assert user.last_seen_at == first  # no write for every message
    user.last_seen_at = first - timedelta(hours=2)
    await see_user(session, Person(1, "Anna", "anna"), now=utcnow())
    assert user.last_seen_at is not None and user.last_seen_at > first - timedelta(hours=1)


async def test_a_username_nothing_tells_apart_is_ambiguous(session: AsyncSession):
    for user_id in (1, 2):  # as after the upgrade: nobody seen since
        session.add(User(id=user_id, first_name="Kees", username="keesje", first_seen_at=utcnow()))
    await session.flush()
    named = await by_username(session, "keesje")
    assert named.user is None and named.ambiguous
    assert not (await by_username(session, "nobody")).ambiguous


@pytest.mark.parametrize("stand_in", sorted(NOT_A_PERSON))
async def test_a_stand_in_owns_links_claims_and_coordinates_nothing(
    session: AsyncSession, stand_in: int
):
    assert stand_in in NOT_A_PERSON and GROUP_ANONYMOUS_BOT in NOT_A_PERSON
    await see_user(session, Person(stand_in, "Group"), now=utcnow())
    anna = await see_user(session, Person(1, "Anna"), now=utcnow())
    street = (
        await neighbourhoods.register(
            session,
            chat_id=-100,
            title="Kerklaan",
            created_by=1,
            language="nl",
            timezone="UTC",
            now=utcnow(),
        )
    ).neighbourhood
    with pytest.raises(groups.GroupError, match=r"^anonymous$"):
        await groups.create(
            session,
            owner_id=stand_in,
            title="Geheim",
            invite_only=False,
            neighbourhood_id=street.id,
            limit=3,
            now=utcnow(),
        )
    made = await groups.create(
        session,
        owner_id=anna.id,
        title="Open",
        invite_only=False,
        neighbourhood_id=street.id,
        limit=3,
        now=utcnow(),
    )
    with pytest.raises(groups.GroupError, match=r"^anonymous$"):
        await groups.link(session, made.group, -200, stand_in, now=utcnow())
    request = await requests.post(
        session,
        Draft(RequestKind.ASK, "boodschappen", None, None),
        asker_id=anna.id,
        chat_id=-100,
        neighbourhood_id=street.id,
        group_id=None,
        limit=5,
        now=utcnow(),
    )
    with pytest.raises(requests.RequestError, match=r"^anonymous$"):
        await requests.claim(session, request.id, stand_in, now=utcnow())
    assert not await oversight.add_coordinator(session, street.id, stand_in, anna.id, now=utcnow())
    assert not await oversight.is_coordinator(session, stand_in, street.id)
