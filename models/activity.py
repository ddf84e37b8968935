"""Activity: when a chat last saw a message, and how many it saw per day.

Counts and times only; what was written is never stored. Activity also moves
a group's next nudge back, so a lively group is never nudged.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from models.dialect import insert
from models.entities import ActivityDay, Group, GroupStatus, Neighbourhood

KEEP_DAYS = 400
#: Last-activity times are kept to this precision: a chat that is busy right now is not
#: written to on every message, and nudges, days apart, never notice the difference.
PRECISION = timedelta(minutes=1)


def days_since(since: datetime, now: datetime, timezone: str) -> int:
    """Days as the neighbourhood counts them on its calendar: 0 means today, there."""
    zone = ZoneInfo(timezone)
    return max((now.astimezone(zone).date() - since.astimezone(zone).date()).days, 0)


def next_nudge(group: Group, after_days: int, now: datetime) -> datetime:
    due = now + timedelta(days=after_days)
    if group.snoozed_until is not None and group.snoozed_until > due:
        return group.snoozed_until
    return due


async def record(session: AsyncSession, served: Neighbourhood | Group, now: datetime) -> None:
    """A person wrote or pressed something in a chat the bot serves: its own, or a group's."""
    chat_id = served.chat_id
    statement = insert(session)(ActivityDay).values(chat_id=chat_id, day=now.date(), messages=1)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ActivityDay.chat_id, ActivityDay.day],
            set_={"messages": ActivityDay.messages + 1},
        )
    )
    if isinstance(served, Neighbourhood):
        if _stale(served.last_activity_at, now):
            served.last_activity_at = now
        return
    group = served
    if _stale(group.last_activity_at, now) or group.ignored_nudges or group.needs_attention:
        await revive(session, group, now)


def _stale(last: datetime | None, now: datetime) -> bool:
    return last is None or not now - PRECISION < last <= now


async def revive(session: AsyncSession, group: Group, now: datetime) -> None:
    """The group is alive: forget ignored nudges and push the next one back."""
    home = await session.get(Neighbourhood, group.neighbourhood_id)
    after_days = home.nudge_after_days if home else 14
    group.last_activity_at = now
    group.ignored_nudges = 0
    group.needs_attention = False
    if group.status == GroupStatus.ACTIVE:
        group.nudge_due_at = next_nudge(group, after_days, now)


async def forget_old(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(
        delete(ActivityDay).where(ActivityDay.day < (now - timedelta(days=KEEP_DAYS)).date())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
