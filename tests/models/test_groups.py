"""Groups against real databases: the open groups of a neighbourhood, a page at a time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from models import Group, GroupStatus, groups, neighbourhoods
from models.base import PAGE_SIZE
from models.people import Person, see_user
from tests.conftest import utcnow

OWNER = Person(1, "Anna")


async def test_open_groups_are_paged_by_title_each_once(session: AsyncSession):
    home = (
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
    await see_user(session, OWNER, now=utcnow())
    now = utcnow()

    def group(n: int, title: str, **changes: object) -> Group:
        fields: dict[str, object] = {
            "neighbourhood_id": home.id,
            "owner_id": OWNER.id,
            "title": title,
            "status": GroupStatus.ACTIVE,
            "chat_id": -1000 - n,
            "created_at": now,
            "expires_at": now + timedelta(hours=48),
            **changes,
        }
        return Group(**fields)

    # Titles given twice: the order must still be one order, or a page turn skips some.
    session.add_all(group(n, f"Groep {n // 2:02}") for n in range(25))
    session.add(group(90, "Besloten", invite_only=True))
    session.add(group(91, "Voorbij", status=GroupStatus.DISSOLVED))
    await session.commit()

    pages = [await groups.open_groups(session, home.id, page) for page in range(3)]
    assert [count for _found, count in pages] == [3, 3, 3]
    assert [len(found) for found, _count in pages] == [PAGE_SIZE, PAGE_SIZE, 5]
    listed = [g for found, _count in pages for g in found]
    assert len({g.id for g in listed}) == 25
    assert [g.title for g in listed] == sorted(g.title for g in listed)
    last, count = await groups.open_groups(session, home.id, 99)  # the list shrank meanwhile
    assert count == 3 and [g.id for g in last] == [g.id for g in pages[2][0]]
