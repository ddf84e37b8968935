"""The scheduler's other chores: reminders, expiring pending groups, forgetting.

Each function takes a session and the time, changes what it decides in that
session, and returns what should be said; the caller sends it after commit.
Marking a reminder in the same transaction that decides it means it is said
at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models.entities import (
    ChatDigest,
    Group,
    GroupInviteLink,
    GroupMember,
    GroupStatus,
    JoinRequest,
    Neighbourhood,
    Request,
    RequestKind,
    RequestState,
    User,
)
from models.nudges import in_quiet_hours

UNCLAIMED_AFTER = timedelta(hours=24)
DIGEST_EVERY = timedelta(days=7)
DIGEST_LINES = 10
BATCH = 500


@dataclass(frozen=True)
class Reminder:
    chat_id: int
    language: str
    request: Request


async def _homes(session: AsyncSession) -> dict[int, Neighbourhood]:
    return {n.id: n for n in await session.scalars(select(Neighbourhood))}


async def unclaimed_asks(session: AsyncSession, now: datetime) -> list[Reminder]:
    """Asks still unclaimed after a day get one reminder in their chat."""
    homes = await _homes(session)
    found = await session.scalars(
        select(Request)
        .where(
            Request.kind == RequestKind.ASK,
            Request.state == RequestState.OPEN,
            Request.reminded_at.is_(None),
            Request.created_at <= now - UNCLAIMED_AFTER,
        )
        .order_by(Request.id)
        .limit(BATCH)
        .options(selectinload(Request.asker), selectinload(Request.claimer))
        .with_for_update(skip_locked=True, of=Request)
    )
    reminders = []
    for request in found:
        home = homes.get(request.neighbourhood_id)
        if home is None or in_quiet_hours(home, now):
            continue
        request.reminded_at = now
        reminders.append(Reminder(request.chat_id, home.language, request))
    return reminders


@dataclass(frozen=True)
class Digest:
    chat_id: int
    language: str
    requests: list[Request]


async def weekly_digests(session: AsyncSession, now: datetime) -> list[Digest]:
    """Once a week, a chat whose reminded asks are still open gets a short list of them."""
    homes = await _homes(session)
    open_asks = list(
        await session.scalars(
            select(Request)
            .where(
                Request.kind == RequestKind.ASK,
                Request.state == RequestState.OPEN,
                Request.reminded_at.is_not(None),
            )
            .order_by(Request.chat_id, Request.created_at)
            .options(selectinload(Request.asker), selectinload(Request.claimer))
        )
    )
    by_chat: dict[int, list[Request]] = {}
    for request in open_asks:
        by_chat.setdefault(request.chat_id, []).append(request)
    last = {
        d.chat_id: d
        for d in await session.scalars(
            select(ChatDigest).where(ChatDigest.chat_id.in_(by_chat)).with_for_update()
        )
    }
    digests = []
    for chat_id, found in by_chat.items():
        home = homes.get(found[0].neighbourhood_id)
        previous = last.get(chat_id)
        reminded = min(r.reminded_at for r in found if r.reminded_at is not None)
        since = previous.sent_at if previous is not None else reminded
        if home is None or now - since < DIGEST_EVERY or in_quiet_hours(home, now):
            continue
        if previous is None:
            session.add(ChatDigest(chat_id=chat_id, sent_at=now))
        else:
            previous.sent_at = now
        digests.append(Digest(chat_id, home.language, found[:DIGEST_LINES]))
    return digests


@dataclass(frozen=True)
class DueSoon:
    claimer_id: int
    language: str | None
    request: Request
    today: bool


async def due_soon(session: AsyncSession, now: datetime) -> list[DueSoon]:
    """A claimed request due tomorrow (or today) reminds its helper once, by DM."""
    homes = await _homes(session)
    found = await session.scalars(
        select(Request)
        .where(
            Request.state == RequestState.CLAIMED,
            Request.due.is_not(None),
            Request.due_reminded_at.is_(None),
            Request.due <= (now + timedelta(days=2)).date(),
        )
        .order_by(Request.id)
        .limit(BATCH)
        .options(selectinload(Request.asker), selectinload(Request.claimer))
        .with_for_update(skip_locked=True, of=Request)
    )
    result = []
    for request in found:
        home = homes.get(request.neighbourhood_id)
        claimer: User | None = request.claimer
        if home is None or claimer is None or in_quiet_hours(home, now):
            continue
        local_today: date = now.astimezone(ZoneInfo(home.timezone)).date()
        assert request.due is not None
        if not local_today <= request.due <= local_today + timedelta(days=1):
            if request.due < local_today:
                request.due_reminded_at = now  # too late to remind: never mind
            continue
        request.due_reminded_at = now
        if claimer.started_at is not None:
            result.append(
                DueSoon(claimer.id, claimer.language_code, request, request.due == local_today)
            )
    return result


@dataclass(frozen=True)
class Expired:
    owner_id: int
    language: str | None
    title: str


async def expire_pending(session: AsyncSession, now: datetime) -> list[Expired]:
    """Pending groups never linked in 48 hours end; their makers are told."""
    found = list(
        await session.scalars(
            select(Group)
            .where(Group.status == GroupStatus.PENDING, Group.expires_at <= now)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    owners = {
        u.id: u
        for u in await session.scalars(select(User).where(User.id.in_({g.owner_id for g in found})))
    }
    told = []
    for group in found:
        group.status = GroupStatus.EXPIRED
        owner = owners.get(group.owner_id)
        if owner is not None and owner.started_at is not None:
            told.append(Expired(owner.id, owner.language_code, group.title))
    return told


async def purge(session: AsyncSession, now: datetime, retention_days: int) -> int:
    """Erase who was in a dissolved group and what was asked there; keep the counts."""
    cutoff = now - timedelta(days=retention_days)
    found = list(
        await session.scalars(
            select(Group)
            .where(
                Group.purged_at.is_(None),
                ((Group.status == GroupStatus.DISSOLVED) & (Group.dissolved_at <= cutoff))
                | ((Group.status == GroupStatus.EXPIRED) & (Group.expires_at <= cutoff)),
            )
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    ids = [g.id for g in found]
    if not ids:
        return 0
    await session.execute(delete(GroupMember).where(GroupMember.group_id.in_(ids)))
    await session.execute(delete(JoinRequest).where(JoinRequest.group_id.in_(ids)))
    await session.execute(delete(GroupInviteLink).where(GroupInviteLink.group_id.in_(ids)))
    await session.execute(
        update(Request)
        .where(Request.group_id.in_(ids))
        .values(text="", on_behalf_of=None, cancel_reason=None)
        .execution_options(synchronize_session=False)
    )
    for group in found:
        group.title = ""
        group.dissolve_reason = None
        group.purged_at = now
    return len(ids)
