"""The weekly numbers behind /report, against real databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import neighbourhoods, oversight
from tests.conftest import utcnow

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # a Wednesday


async def test_weeks_start_with_the_week_a_neighbourhood_was_set_up(session: AsyncSession):
    for chat_id, title, created in (
        (-1, "Oud", datetime(2025, 3, 1, tzinfo=UTC)),
        (-2, "Nieuw", datetime(2026, 11, 18, 20, 0, tzinfo=UTC)),
    ):
        registration = await neighbourhoods.register(
            session,
            chat_id=chat_id,
            title=title,
            created_by=1,
            language="nl",
            timezone="UTC",
            now=utcnow(),
        )
        registration.neighbourhood.created_at = created
    await session.flush()
    weeks = await oversight.weekly(session, NOW, None)
    by_title = {t: [w.week for w in weeks if w.title == t] for t in ("Oud", "Nieuw")}
    assert len(by_title["Oud"]) == 12 and by_title["Oud"][-1] == date(2026, 11, 30)
    assert by_title["Nieuw"] == [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]
