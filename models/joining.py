"""Who may join a group: residents in, strangers and the banned out, and the two ways
a person can be let in on someone's decision (an invite-only group's owner, or the
coordinators answering a join question)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.entities import Group, GroupStatus, JoinRequest, JoinRequestStatus, Resident
from models.groups import PENDING_FOR, GroupError


async def is_welcome(session: AsyncSession, group: Group, user_id: int) -> str:
    """'resident', 'banned' or 'stranger': what the group's neighbourhood knows of someone."""
    resident = await session.scalar(
        select(Resident).where(
            Resident.neighbourhood_id == group.neighbourhood_id, Resident.user_id == user_id
        )
    )
    if resident is not None and resident.banned_at is not None:
        return "banned"
    if resident is None or resident.left_at is not None:
        return "stranger"
    return "resident"


async def request_to_join(session: AsyncSession, group: Group, user_id: int) -> JoinRequest:
    """Remember a request for the owner to decide; a repeated request reuses the open one."""
    existing = await session.scalar(
        select(JoinRequest).where(
            JoinRequest.group_id == group.id,
            JoinRequest.user_id == user_id,
            JoinRequest.status == JoinRequestStatus.PENDING,
        )
    )
    if existing is not None:
        return existing
    request = JoinRequest(group_id=group.id, user_id=user_id, created_at=utcnow())
    session.add(request)
    await session.flush()
    return request


async def decide(
    session: AsyncSession, request_id: int, decider_id: int, approve: bool
) -> tuple[Group, JoinRequest]:
    """The owner's decision; anyone else, or a second decision, gets GroupError."""
    request = await session.get(JoinRequest, request_id)
    if request is None:
        raise GroupError("unknown")
    group = await session.get(Group, request.group_id)
    assert group is not None
    if group.owner_id != decider_id:
        raise GroupError("not_owner")
    if request.status != JoinRequestStatus.PENDING or group.status != GroupStatus.ACTIVE:
        raise GroupError("stale")
    request.status = JoinRequestStatus.APPROVED if approve else JoinRequestStatus.DECLINED
    request.decided_at = utcnow()
    request.decided_by = decider_id
    return group, request


async def ask_question(session: AsyncSession, group: Group, user_id: int) -> JoinRequest:
    """A stranger wants in and the neighbourhood has a join question: hold the request."""
    request = await request_to_join(session, group, user_id)
    request.status = JoinRequestStatus.ASKED
    return request


async def awaiting_answer(session: AsyncSession, user_id: int) -> tuple[JoinRequest, Group] | None:
    """The latest held request of someone who was asked the join question."""
    request = await session.scalar(
        select(JoinRequest)
        .where(JoinRequest.user_id == user_id, JoinRequest.status == JoinRequestStatus.ASKED)
        .order_by(JoinRequest.id.desc())
        .limit(1)
    )
    if request is None:
        return None
    group = await session.get(Group, request.group_id)
    if group is None or group.status != GroupStatus.ACTIVE:
        return None
    request.status = JoinRequestStatus.ANSWERED
    return request, group


async def decide_answer(
    session: AsyncSession, request_id: int, approve: bool, decider_id: int
) -> tuple[Group, JoinRequest]:
    """A coordinator's decision on an answered join question; a second one is stale."""
    request = await session.get(JoinRequest, request_id)
    group = await session.get(Group, request.group_id) if request else None
    if request is None or group is None:
        raise GroupError("unknown")
    if request.status != JoinRequestStatus.ANSWERED or group.status != GroupStatus.ACTIVE:
        raise GroupError("stale")
    request.status = JoinRequestStatus.APPROVED if approve else JoinRequestStatus.DECLINED
    request.decided_at = utcnow()
    request.decided_by = decider_id
    return group, request


async def unanswered(session: AsyncSession, now: datetime) -> list[tuple[int, int]]:
    """Held requests older than 48 hours: declined, as (chat id, user id) to tell Telegram."""
    found = await session.execute(
        select(JoinRequest, Group.chat_id)
        .join(Group, Group.id == JoinRequest.group_id)
        .where(
            JoinRequest.status.in_((JoinRequestStatus.ASKED, JoinRequestStatus.ANSWERED)),
            JoinRequest.created_at <= now - PENDING_FOR,
        )
    )
    declined = []
    for request, chat_id in found.all():
        request.status = JoinRequestStatus.DECLINED
        request.decided_at = now
        if chat_id is not None:
            declined.append((chat_id, request.user_id))
    return declined


async def is_asked(session: AsyncSession, user_id: int) -> bool:
    """Whether someone was asked the join question and has not answered it yet."""
    asked = select(JoinRequest.id).where(
        JoinRequest.user_id == user_id, JoinRequest.status == JoinRequestStatus.ASKED
    )
    return await session.scalar(asked.limit(1)) is not None
