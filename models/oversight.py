"""What facilitators and coordinators see and do: aggregates, never message content.

Every function that changes something takes the actor and writes an audit
row in the same transaction as the change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activity import days_since
from models.entities import (
    ActivityDay,
    AuditEntry,
    Coordinator,
    Group,
    GroupMember,
    GroupStatus,
    Neighbourhood,
    Nudge,
    ReportDigest,
    Request,
    RequestKind,
    RequestState,
    Resident,
    User,
)
from models.people import is_person

WINDOW = timedelta(days=30)
UNCLAIMED_TOO_LONG = timedelta(days=3)


async def audit(
    session: AsyncSession,
    *,
    actor_id: int,
    action: str,
    target: str,
    neighbourhood_id: int | None = None,
    detail: str | None = None,
    now: datetime,
) -> None:
    session.add(
        AuditEntry(
            at=now,
            actor_id=actor_id,
            action=action,
            target=target,
            neighbourhood_id=neighbourhood_id,
            detail=detail[:255] if detail else None,
        )
    )


async def was_done(session: AsyncSession, action: str, detail: str) -> bool:
    """Whether this exact action was already taken: makes a double press harmless."""
    found = await session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == action, AuditEntry.detail == detail)
    )
    return found is not None


async def coordinated(session: AsyncSession, user_id: int) -> list[Neighbourhood]:
    result = await session.scalars(
        select(Neighbourhood)
        .join(Coordinator)
        .where(Coordinator.user_id == user_id, Neighbourhood.active)
        .order_by(Neighbourhood.id)
    )
    return list(result)


async def is_coordinator(session: AsyncSession, user_id: int, neighbourhood_id: int) -> bool:
    found = await session.scalar(
        select(Coordinator.id).where(
            Coordinator.user_id == user_id, Coordinator.neighbourhood_id == neighbourhood_id
        )
    )
    return found is not None


async def add_coordinator(
    session: AsyncSession,
    neighbourhood_id: int,
    user_id: int,
    added_by: int | None,
    *,
    now: datetime,
) -> bool:
    """False if they already are one, or stand for no one person (an anonymous admin)."""
    if not is_person(user_id) or await is_coordinator(session, user_id, neighbourhood_id):
        return False
    session.add(
        Coordinator(
            neighbourhood_id=neighbourhood_id, user_id=user_id, added_by=added_by, added_at=now
        )
    )
    await session.flush()
    return True


async def remove_coordinator(session: AsyncSession, neighbourhood_id: int, user_id: int) -> bool:
    found = await session.scalar(
        select(Coordinator).where(
            Coordinator.user_id == user_id, Coordinator.neighbourhood_id == neighbourhood_id
        )
    )
    if found is None:
        return False
    await session.delete(found)
    return True


@dataclass(frozen=True)
class Line:
    """One neighbourhood in /overview."""

    neighbourhood: Neighbourhood
    residents: int
    active_groups: int
    asked: int
    offered: int
    done: int
    quiet_days: int | None
    quiet: bool


async def overview(session: AsyncSession, now: datetime, ids: list[int] | None) -> list[Line]:
    """Per neighbourhood, the last 30 days in numbers; quietest first."""
    chosen = select(Neighbourhood).where(Neighbourhood.active)
    if ids is not None:
        chosen = chosen.where(Neighbourhood.id.in_(ids))
    homes = list(await session.scalars(chosen))
    wanted = [h.id for h in homes]

    async def counts(statement: object) -> dict[int, int]:
        rows = await session.execute(statement)  # type: ignore[call-overload]
        return dict(rows.all())

    residents = await counts(
        select(Resident.neighbourhood_id, func.count())
        .where(Resident.neighbourhood_id.in_(wanted), Resident.left_at.is_(None))
        .group_by(Resident.neighbourhood_id)
    )
    active = await counts(
        select(Group.neighbourhood_id, func.count())
        .where(Group.neighbourhood_id.in_(wanted), Group.status == GroupStatus.ACTIVE)
        .group_by(Group.neighbourhood_id)
    )
    since = now - WINDOW
    posted = await session.execute(
        select(Request.neighbourhood_id, Request.kind, func.count())
        .where(Request.neighbourhood_id.in_(wanted), Request.created_at >= since)
        .group_by(Request.neighbourhood_id, Request.kind)
    )
    made = {(home_id, kind): count for home_id, kind, count in posted.all()}
    done = await counts(
        select(Request.neighbourhood_id, func.count())
        .where(
            Request.neighbourhood_id.in_(wanted),
            Request.state == RequestState.DONE,
            Request.closed_at >= since,
        )
        .group_by(Request.neighbourhood_id)
    )
    group_activity = await counts(
        select(Group.neighbourhood_id, func.max(Group.last_activity_at))
        .where(Group.neighbourhood_id.in_(wanted))
        .group_by(Group.neighbourhood_id)
    )
    lines = []
    for home in homes:
        latest = max(
            (t for t in (home.last_activity_at, group_activity.get(home.id)) if t is not None),
            default=None,
        )
        days = None if latest is None else days_since(latest, now, home.timezone)  # type: ignore[arg-type]
        lines.append(
            Line(
                neighbourhood=home,
                residents=residents.get(home.id, 0),
                active_groups=active.get(home.id, 0),
                asked=made.get((home.id, RequestKind.ASK), 0),
                offered=made.get((home.id, RequestKind.OFFER), 0),
                done=done.get(home.id, 0),
                quiet_days=days,
                quiet=days is None or days >= home.nudge_after_days,
            )
        )
    lines.sort(
        key=lambda line: (
            -(line.quiet_days if line.quiet_days is not None else 10**6),
            line.neighbourhood.id,
        )
    )
    return lines


@dataclass(frozen=True)
class Concern:
    """Something on the attention list, and why."""

    kind: str  # "group" or "neighbourhood"
    id: int
    title: str
    reason: str  # "quiet", "ignored_nudges" or "unclaimed"
    number: int  # days quiet, nudges ignored, or requests unclaimed


async def concerns(session: AsyncSession, now: datetime, ids: list[int] | None) -> list[Concern]:
    found: list[Concern] = []
    for line in await overview(session, now, ids):
        if line.quiet:
            found.append(
                Concern(
                    "neighbourhood",
                    line.neighbourhood.id,
                    line.neighbourhood.title,
                    "quiet" if line.quiet_days is not None else "new",
                    line.quiet_days or 0,
                )
            )
    chosen = select(Group).where(Group.status == GroupStatus.ACTIVE)
    if ids is not None:
        chosen = chosen.where(Group.neighbourhood_id.in_(ids))
    for group in await session.scalars(chosen.order_by(Group.id)):
        if group.needs_attention:
            found.append(
                Concern("group", group.id, group.title, "ignored_nudges", group.ignored_nudges)
            )
        elif group.ignored_nudges:
            since = group.last_activity_at or group.linked_at or group.created_at
            home_id = group.neighbourhood_id
            home = await session.get(Neighbourhood, home_id) if home_id is not None else None
            days = days_since(since, now, home.timezone if home else "UTC")
            found.append(Concern("group", group.id, group.title, "quiet", days))
    unclaimed = select(Request.neighbourhood_id, func.count()).where(
        Request.kind == RequestKind.ASK,
        Request.state == RequestState.OPEN,
        Request.created_at <= now - UNCLAIMED_TOO_LONG,
    )
    if ids is not None:
        unclaimed = unclaimed.where(Request.neighbourhood_id.in_(ids))
    for neighbourhood_id, count in (
        await session.execute(unclaimed.group_by(Request.neighbourhood_id))
    ).all():
        home = await session.get(Neighbourhood, neighbourhood_id)
        if home is not None:
            found.append(Concern("neighbourhood", home.id, home.title, "unclaimed", count))
    return found


@dataclass(frozen=True)
class Facts:
    group: Group
    home: Neighbourhood | None
    started: datetime
    members: int
    by_state: dict[str, int]
    quiet_days: int | None
    nudges: int


async def facts(session: AsyncSession, group_id: int, now: datetime) -> Facts | None:
    group = await session.get(Group, group_id)
    if group is None:
        return None
    members = await session.scalar(
        select(func.count())
        .select_from(GroupMember)
        .where(
            GroupMember.group_id == group.id,
            GroupMember.left_at.is_(None),
            GroupMember.refused_at.is_(None),
        )
    )
    states = (
        await session.execute(
            select(Request.state, func.count())
            .where(Request.group_id == group.id)
            .group_by(Request.state)
        )
    ).all()
    nudges = await session.scalar(
        select(func.count()).select_from(Nudge).where(Nudge.group_id == group.id)
    )
    home = (
        await session.get(Neighbourhood, group.neighbourhood_id)
        if group.neighbourhood_id is not None
        else None
    )
    last = group.last_activity_at
    return Facts(
        group=group,
        home=home,
        started=group.linked_at or group.created_at,
        members=members or 0,
        by_state=dict(states),
        quiet_days=None
        if last is None
        else days_since(last, now, home.timezone if home else "UTC"),
        nudges=nudges or 0,
    )


async def recent(session: AsyncSession, n: int, ids: list[int] | None) -> list[AuditEntry]:
    chosen = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(n)
    if ids is not None:
        chosen = chosen.where(AuditEntry.neighbourhood_id.in_(ids))
    return list(await session.scalars(chosen))


@dataclass(frozen=True)
class Week:
    """One neighbourhood's week: how many groups were active, how many requests got done."""

    neighbourhood_id: int
    title: str
    week: date
    active_groups: int
    done: int


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def weekly(
    session: AsyncSession, now: datetime, ids: list[int] | None, weeks: int = 12
) -> list[Week]:
    """The last `weeks` weeks per neighbourhood, oldest first: the data behind /report.

    A neighbourhood's weeks start with the week it was set up: weeks before it would
    read as weeks without anything done.
    """
    homes = [line.neighbourhood for line in await overview(session, now, ids)]
    first = _monday(now.date()) - timedelta(weeks=weeks - 1)
    wanted = [h.id for h in homes]
    activity = await session.execute(
        select(Group.neighbourhood_id, ActivityDay.day, Group.id)
        .join(ActivityDay, ActivityDay.chat_id == Group.chat_id)
        .where(Group.neighbourhood_id.in_(wanted), ActivityDay.day >= first)
    )
    active: dict[tuple[int | None, date], set[int]] = {}
    for neighbourhood_id, day, group_id in activity.all():
        active.setdefault((neighbourhood_id, _monday(day)), set()).add(group_id)
    done_rows = await session.execute(
        select(Request.neighbourhood_id, Request.closed_at).where(
            Request.neighbourhood_id.in_(wanted),
            Request.state == RequestState.DONE,
            Request.closed_at >= datetime.combine(first, time(0), tzinfo=UTC),
        )
    )
    done: dict[tuple[int, date], int] = {}
    for neighbourhood_id, closed_at in done_rows.all():
        if closed_at is None:
            continue
        key = (neighbourhood_id, _monday(closed_at.date()))
        done[key] = done.get(key, 0) + 1
    return [
        Week(
            home.id,
            home.title,
            week,
            len(active.get((home.id, week), ())),
            done.get((home.id, week), 0),
        )
        for home in homes
        for n in range(weeks)
        if (week := first + timedelta(weeks=n)) >= _monday(home.created_at.date())
    ]


DIGEST_AT = time(9, 0)


def digest_monday(now: datetime, timezone: str) -> date | None:
    """This Monday, if it is Monday 09:00 or later where the reader lives; else None."""
    local = now.astimezone(ZoneInfo(timezone))
    if local.weekday() != 0 or local.time() < DIGEST_AT:
        return None
    return local.date()


async def digest_due(session: AsyncSession, user_id: int, monday: date) -> bool:
    last = await session.get(ReportDigest, user_id)
    return last is None or last.week < monday


async def digest_changed(session: AsyncSession, user_id: int, monday: date, text: str) -> bool:
    """Remember this week's digest; True if it differs from the last one sent."""
    fingerprint = hashlib.sha256(text.encode()).hexdigest()
    last = await session.get(ReportDigest, user_id)
    if last is None:
        session.add(ReportDigest(user_id=user_id, week=monday, fingerprint=fingerprint))
        return True
    changed = last.fingerprint != fingerprint
    last.week, last.fingerprint = monday, fingerprint
    return changed


async def digest_readers(session: AsyncSession, facilitators: list[int]) -> list[User]:
    """Facilitators and coordinators who can be written to."""
    coordinators = (
        select(Coordinator.user_id)
        .join(Neighbourhood, Neighbourhood.id == Coordinator.neighbourhood_id)
        .where(Neighbourhood.active)
    )
    result = await session.scalars(
        select(User).where(
            User.started_at.is_not(None),
            User.id.in_(facilitators) | User.id.in_(coordinators),
        )
    )
    return list(result)


async def reachable_coordinators(session: AsyncSession, neighbourhood_id: int) -> list[User]:
    """A neighbourhood's coordinators who opened a DM with the bot, so it can write to them."""
    result = await session.scalars(
        select(User)
        .join(Coordinator, Coordinator.user_id == User.id)
        .where(Coordinator.neighbourhood_id == neighbourhood_id, User.started_at.is_not(None))
        .order_by(User.id)
    )
    return list(result)
