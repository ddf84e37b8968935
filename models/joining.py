"""Who may join a group: residents in, strangers and the banned out, and the two ways
a person can be let in on someone's decision (an invite-only group's owner, or the
coordinators answering a join question). Every decision checks again, when it is
taken, that the person may still join."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.entities import (
    Group,
    GroupMember,
    GroupStatus,
    JoinPrompt,
    JoinRequest,
    JoinRequestStatus,
    Resident,
)
from models.groups import PENDING_FOR, GroupError
from models.people import is_person

#: A join answer that nobody who decides could ever see is not kept longer than this.
UNSEEN_FOR = PENDING_FOR * 7


class Welcome(enum.StrEnum):
    """What a group's neighbourhood knows of someone."""

    RESIDENT = "resident"
    STRANGER = "stranger"
    BANNED = "banned"


class Outcome(enum.Enum):
    """What became of a decision on a join request."""

    APPROVED = "approved"
    DECLINED = "declined"
    VOUCHED = "vouched"  # the coordinators said yes; an invite-only group's owner decides
    BANNED = "banned"  # an approval refused: banned since the request
    MOVED = "moved"  # an approval refused: no longer a resident, and nobody vouched


async def is_welcome(session: AsyncSession, group: Group, user_id: int) -> Welcome:
    resident = await session.scalar(
        select(Resident).where(
            Resident.neighbourhood_id == group.neighbourhood_id, Resident.user_id == user_id
        )
    )
    if resident is not None and resident.banned_at is not None:
        return Welcome.BANNED
    if resident is None or resident.left_at is not None or not is_person(user_id):
        return Welcome.STRANGER
    return Welcome.RESIDENT


async def may_stay(session: AsyncSession, group: Group, user_id: int) -> bool:
    """Whether someone found in a group's chat may be there: a way in the bot allows."""
    welcome = await is_welcome(session, group, user_id)
    if welcome is Welcome.BANNED:
        return False
    if welcome is Welcome.RESIDENT or user_id == group.owner_id:
        return True
    approved = await session.scalar(
        select(JoinRequest.id).where(
            JoinRequest.group_id == group.id,
            JoinRequest.user_id == user_id,
            JoinRequest.status == JoinRequestStatus.APPROVED,
        )
    )
    return approved is not None


async def refuse(session: AsyncSession, group: Group, user_id: int, *, now: datetime) -> bool:
    """Someone is in the chat who may not be: True the first time for this stay.

    Refused people are no members: they do not count, cannot act, and are taken out
    when the bot can. The row is kept until they leave, so the refusal is told once.
    """
    row = await session.scalar(
        select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id == user_id)
    )
    if row is None:
        session.add(GroupMember(group_id=group.id, user_id=user_id, joined_at=now, refused_at=now))
        await session.flush()
        return True
    if row.refused_at is not None and row.left_at is None:
        return False
    row.refused_at, row.left_at, row.joined_at = now, None, now
    return True


async def refused_here(session: AsyncSession, group: Group, user_id: int) -> bool:
    """Refused, and still in the chat as far as the bot knows."""
    found = await session.scalar(
        select(GroupMember.id).where(
            GroupMember.group_id == group.id,
            GroupMember.user_id == user_id,
            GroupMember.refused_at.is_not(None),
            GroupMember.left_at.is_(None),
        )
    )
    return found is not None


async def still_refused(session: AsyncSession, group: Group) -> list[int]:
    """Refused people still in the chat: taken out once the bot has the right to."""
    found = await session.scalars(
        select(GroupMember.user_id).where(
            GroupMember.group_id == group.id,
            GroupMember.refused_at.is_not(None),
            GroupMember.left_at.is_(None),
        )
    )
    return list(found)


async def request_to_join(
    session: AsyncSession, group: Group, user_id: int, *, now: datetime
) -> JoinRequest:
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
    request = JoinRequest(group_id=group.id, user_id=user_id, created_at=now)
    session.add(request)
    await session.flush()
    return request


def _close(
    request: JoinRequest, status: JoinRequestStatus, decider_id: int | None, now: datetime
) -> None:
    request.status = status
    request.decided_at = now
    request.decided_by = decider_id
    request.answer = None  # a stored join answer is erased once it is decided


async def decide(
    session: AsyncSession, request_id: int, decider_id: int, approve: bool, *, now: datetime
) -> tuple[Group, JoinRequest, Outcome]:
    """The owner's decision; anyone else, or a second decision, gets GroupError.

    An approval is checked again now: a person banned since, or who left the
    neighbourhood without the coordinators vouching for them, is declined instead.
    """
    request = await session.get(JoinRequest, request_id)
    if request is None:
        raise GroupError("unknown")
    group = await session.get(Group, request.group_id)
    assert group is not None
    if group.owner_id != decider_id:
        raise GroupError("not_owner")
    if request.status != JoinRequestStatus.PENDING or group.status != GroupStatus.ACTIVE:
        raise GroupError("stale")
    outcome = Outcome.APPROVED if approve else Outcome.DECLINED
    if approve:
        welcome = await is_welcome(session, group, request.user_id)
        if welcome is Welcome.BANNED:
            outcome = Outcome.BANNED
        elif welcome is Welcome.STRANGER and request.vouched_by is None:
            outcome = Outcome.MOVED
    approved = outcome is Outcome.APPROVED
    status = JoinRequestStatus.APPROVED if approved else JoinRequestStatus.DECLINED
    _close(request, status, decider_id, now)
    return group, request, outcome


async def ask_question(
    session: AsyncSession, group: Group, user_id: int, *, now: datetime
) -> JoinRequest:
    """A stranger wants in and the neighbourhood has a join question: hold the request."""
    request = await request_to_join(session, group, user_id, now=now)
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


def answer_shown(request: JoinRequest, now: datetime) -> None:
    """A decider can see the answer from now on: the 48 hours start."""
    if request.shown_at is None:
        request.shown_at = now


def keep_answer(request: JoinRequest, answer: str) -> None:
    """Nobody who decides can see the answer yet: keep it until someone can, and decides."""
    request.answer = answer


async def unseen_answers(session: AsyncSession, neighbourhood_ids: list[int]) -> list[JoinRequest]:
    """Kept answers of these neighbourhoods that no decider has seen yet, oldest first."""
    found = await session.scalars(
        select(JoinRequest)
        .join(Group, Group.id == JoinRequest.group_id)
        .where(
            Group.neighbourhood_id.in_(neighbourhood_ids),
            Group.status == GroupStatus.ACTIVE,
            JoinRequest.status == JoinRequestStatus.ANSWERED,
            JoinRequest.shown_at.is_(None),
            JoinRequest.answer.is_not(None),
        )
        .order_by(JoinRequest.id)
    )
    return list(found)


async def decide_answer(
    session: AsyncSession, request_id: int, approve: bool, decider_id: int, *, now: datetime
) -> tuple[Group, JoinRequest, Outcome]:
    """A coordinator's decision on an answered join question; a second one is stale.

    Their yes lets a stranger into an open group, and makes them a candidate for the
    owner of an invite-only one. Someone banned since is declined instead.
    """
    request = await session.get(JoinRequest, request_id)
    group = await session.get(Group, request.group_id) if request else None
    if request is None or group is None:
        raise GroupError("unknown")
    if request.status != JoinRequestStatus.ANSWERED or group.status != GroupStatus.ACTIVE:
        raise GroupError("stale")
    if not approve:
        _close(request, JoinRequestStatus.DECLINED, decider_id, now)
        return group, request, Outcome.DECLINED
    if await is_welcome(session, group, request.user_id) is Welcome.BANNED:
        _close(request, JoinRequestStatus.DECLINED, decider_id, now)
        return group, request, Outcome.BANNED
    request.vouched_by = decider_id
    if group.invite_only:
        request.status = JoinRequestStatus.PENDING
        request.answer = None
        return group, request, Outcome.VOUCHED
    _close(request, JoinRequestStatus.APPROVED, decider_id, now)
    return group, request, Outcome.APPROVED


async def unanswered(session: AsyncSession, now: datetime) -> list[tuple[JoinRequest, Group]]:
    """Held requests nobody decided in time: declined, each with its group, to tell
    Telegram (where the group has a chat) and whoever was asked to decide.

    An unanswered question expires 48 hours after it was asked; an answer 48 hours after
    a decider could first see it, or, if nobody ever could, after two weeks.
    """
    asked = (JoinRequest.status == JoinRequestStatus.ASKED) & (
        JoinRequest.created_at <= now - PENDING_FOR
    )
    answered = (JoinRequest.status == JoinRequestStatus.ANSWERED) & (
        (JoinRequest.shown_at <= now - PENDING_FOR)
        | (JoinRequest.shown_at.is_(None) & (JoinRequest.created_at <= now - UNSEEN_FOR))
    )
    found = await session.execute(
        select(JoinRequest, Group)
        .join(Group, Group.id == JoinRequest.group_id)
        .where(asked | answered)
    )
    declined = []
    for request, group in found.all():
        _close(request, JoinRequestStatus.DECLINED, None, now)
        declined.append((request, group))
    return declined


async def is_asked(session: AsyncSession, user_id: int) -> bool:
    """Whether someone was asked the join question and has not answered it yet."""
    asked = select(JoinRequest.id).where(
        JoinRequest.user_id == user_id, JoinRequest.status == JoinRequestStatus.ASKED
    )
    return await session.scalar(asked.limit(1)) is not None


async def add_prompt(
    session: AsyncSession, request: JoinRequest, chat_id: int, language_code: str | None
) -> JoinPrompt:
    """A DM that will put `request` to someone who decides; its id goes with the message."""
    prompt = JoinPrompt(join_request_id=request.id, chat_id=chat_id, language_code=language_code)
    session.add(prompt)
    await session.flush()
    return prompt


async def prompt_sent(session: AsyncSession, prompt_id: int, message_id: int) -> None:
    await session.execute(
        update(JoinPrompt).where(JoinPrompt.id == prompt_id).values(message_id=message_id)
    )


async def take_prompts(session: AsyncSession, request_id: int) -> list[JoinPrompt]:
    """The sent prompts of a decided request, which are then forgotten: nothing is left
    to press on them."""
    found = list(
        await session.scalars(select(JoinPrompt).where(JoinPrompt.join_request_id == request_id))
    )
    for prompt in found:
        await session.delete(prompt)
    return [prompt for prompt in found if prompt.message_id is not None]
