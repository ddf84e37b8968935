"""Ad-hoc groups: made pending, linked to a chat once, joined by neighbours, dissolved.

The link token is the only secret: it is random (128 bits), stored as a hash,
used once, and expires with its pending group.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import requests
from models.base import page_of
from models.entities import (
    Group,
    GroupInviteLink,
    GroupMember,
    GroupStatus,
    Neighbourhood,
    Request,
)
from models.people import is_person

TITLE_MAX = 64
PENDING_FOR = timedelta(hours=48)
LIVING = (GroupStatus.PENDING, GroupStatus.ACTIVE)


class GroupError(Exception):
    """A request about groups that cannot be granted; `code` says why, for the reply."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def new_token() -> str:
    """128 random bits as hex: safe in a t.me payload and never mistaken for 'join_…'."""
    return secrets.token_hex(16)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewGroup:
    group: Group
    token: str


async def living_count(session: AsyncSession, owner_id: int, *, now: datetime) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Group)
            .where(
                Group.owner_id == owner_id,
                (Group.status == GroupStatus.ACTIVE)
                | ((Group.status == GroupStatus.PENDING) & (Group.expires_at > now)),
            )
        )
        or 0
    )


async def create(
    session: AsyncSession,
    *,
    owner_id: int,
    title: str,
    invite_only: bool,
    neighbourhood_id: int | None,
    limit: int,
    now: datetime,
) -> NewGroup:
    """A pending group; `neighbourhood_id` may wait until the owner has picked one."""
    if not is_person(owner_id):
        raise GroupError("anonymous")
    if not title or len(title) > TITLE_MAX:
        raise GroupError("title")
    if await living_count(session, owner_id, now=now) >= limit:
        raise GroupError("limit")
    token = new_token()
    group = Group(
        owner_id=owner_id,
        title=title,
        invite_only=invite_only,
        neighbourhood_id=neighbourhood_id,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + PENDING_FOR,
    )
    session.add(group)
    await session.flush()
    return NewGroup(group, token)


async def place(
    session: AsyncSession, group_id: int, owner_id: int, neighbourhood_id: int
) -> Group:
    """The owner picked the neighbourhood of a group made in a DM."""
    group = await session.get(Group, group_id)
    if group is None or group.owner_id != owner_id:
        raise GroupError("unknown")
    if group.status != GroupStatus.PENDING or group.neighbourhood_id is not None:
        raise GroupError("stale")
    group.neighbourhood_id = neighbourhood_id
    return group


def renew_token(group: Group) -> str:
    """A fresh token for a pending group; the old one stops working."""
    token = new_token()
    group.token_hash = _hash(token)
    return token


async def by_token(session: AsyncSession, token: str) -> Group | None:
    return await session.scalar(select(Group).where(Group.token_hash == _hash(token)))


async def pending_of(session: AsyncSession, owner_id: int, *, now: datetime) -> list[Group]:
    """Placed, unexpired pending groups: the candidates for a chat added without a token."""
    result = await session.scalars(
        select(Group)
        .where(
            Group.owner_id == owner_id,
            Group.status == GroupStatus.PENDING,
            Group.neighbourhood_id.is_not(None),
            Group.expires_at > now,
        )
        .order_by(Group.id)
    )
    return list(result)


async def active_in_chat(session: AsyncSession, chat_id: int) -> Group | None:
    return await session.scalar(
        select(Group).where(Group.chat_id == chat_id, Group.status == GroupStatus.ACTIVE)
    )


async def any_in_chat(session: AsyncSession, chat_id: int) -> Group | None:
    """The latest group that ever lived in this chat, dissolved ones included."""
    return await session.scalar(
        select(Group).where(Group.chat_id == chat_id).order_by(Group.id.desc()).limit(1)
    )


async def link(
    session: AsyncSession, group: Group, chat_id: int, user_id: int, *, now: datetime
) -> None:
    """Link a pending group to its chat, once: a racing second link gets GroupError."""
    if chat_id > 0:  # positive ids are people: a group needs a group chat
        raise GroupError("private_chat")
    if not is_person(user_id):
        raise GroupError("anonymous")
    if group.owner_id != user_id:
        raise GroupError("not_owner")
    if group.status == GroupStatus.DISSOLVED or group.chat_id is not None:
        raise GroupError("used")
    if group.expires_at <= now:
        raise GroupError("expired")
    if group.neighbourhood_id is None:
        raise GroupError("unplaced")
    if await active_in_chat(session, chat_id) is not None:
        raise GroupError("chat_linked")
    if await session.scalar(select(Neighbourhood.id).where(Neighbourhood.chat_id == chat_id)):
        raise GroupError("neighbourhood_chat")
    # A conditional UPDATE is the arbiter: of two racing links, only one matches.
    result = await session.execute(
        update(Group)
        .where(Group.id == group.id, Group.status == GroupStatus.PENDING, Group.chat_id.is_(None))
        .values(chat_id=chat_id, status=GroupStatus.ACTIVE, linked_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise GroupError("used")
    await session.refresh(group)
    home = await session.get(Neighbourhood, group.neighbourhood_id)
    group.last_activity_at = now
    group.nudge_due_at = now + timedelta(days=home.nudge_after_days if home else 14)
    await join(session, group, user_id, now=now)


def set_rights(group: Group, *, invite: bool, restrict: bool) -> None:
    group.bot_can_invite = invite
    group.bot_can_restrict = restrict


async def member(session: AsyncSession, group: Group, user_id: int) -> GroupMember | None:
    """A member: in the chat, and not refused there (models/joining.py)."""
    return await session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id,
            GroupMember.user_id == user_id,
            GroupMember.left_at.is_(None),
            GroupMember.refused_at.is_(None),
        )
    )


async def join(session: AsyncSession, group: Group, user_id: int, *, now: datetime) -> None:
    """Someone who may be in the group is: a member, whatever came before."""
    row = await session.scalar(
        select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id == user_id)
    )
    if row is None:
        session.add(GroupMember(group_id=group.id, user_id=user_id, joined_at=now))
        await session.flush()
    elif row.left_at is not None or row.refused_at is not None:
        row.left_at = row.refused_at = None
        row.joined_at = now


async def members(session: AsyncSession, group: Group) -> list[GroupMember]:
    """Current members, longest-standing first."""
    result = await session.scalars(
        select(GroupMember)
        .where(
            GroupMember.group_id == group.id,
            GroupMember.left_at.is_(None),
            GroupMember.refused_at.is_(None),
        )
        .order_by(GroupMember.joined_at, GroupMember.id)
        .options(selectinload(GroupMember.user))
    )
    return list(result)


async def leave(session: AsyncSession, group: Group, user_id: int, *, now: datetime) -> int | None:
    """Someone left; returns the new owner's id when the owner left and someone remains."""
    row = await session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id,
            GroupMember.user_id == user_id,
            GroupMember.left_at.is_(None),
        )
    )
    if row is not None:
        row.left_at = now
    if user_id != group.owner_id:
        return None
    remaining = [m for m in await members(session, group) if m.user_id != user_id]
    if not remaining:
        return None
    group.owner_id = remaining[0].user_id
    return group.owner_id


async def add_invite_link(session: AsyncSession, group: Group, url: str, *, now: datetime) -> None:
    session.add(GroupInviteLink(group_id=group.id, url=url, created_at=now))
    await session.flush()


async def current_invite_link(session: AsyncSession, group: Group) -> str | None:
    return await session.scalar(
        select(GroupInviteLink.url)
        .where(GroupInviteLink.group_id == group.id, GroupInviteLink.revoked_at.is_(None))
        .order_by(GroupInviteLink.id.desc())
        .limit(1)
    )


async def revoke_invite_links(session: AsyncSession, group: Group, *, now: datetime) -> list[str]:
    """Mark every unrevoked link revoked and return them, for the Telegram calls."""
    links = list(
        await session.scalars(
            select(GroupInviteLink).where(
                GroupInviteLink.group_id == group.id, GroupInviteLink.revoked_at.is_(None)
            )
        )
    )
    for row in links:
        row.revoked_at = now
    return [row.url for row in links]


@dataclass(frozen=True)
class Summary:
    #: When it began and ended (UTC): how long it lived is told in local days.
    started_at: datetime
    ended_at: datetime
    members: int
    requests_done: int
    helpers: list[str]
    #: Every request the group saw, and those still open that ended with it.
    requests_asked: int
    closed: tuple[Request, ...]


async def dissolve(
    session: AsyncSession, group: Group, *, by: int | None, reason: str, now: datetime
) -> Summary:
    """End a group for good; returns the facts for its closing summary."""
    # Conditional, like link(): of two racing confirmations only one dissolves.
    result = await session.execute(
        update(Group)
        .where(Group.id == group.id, Group.status != GroupStatus.DISSOLVED)
        .values(
            status=GroupStatus.DISSOLVED,
            dissolved_at=now,
            dissolved_by=by,
            dissolve_reason=reason[:255],
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise GroupError("stale")
    started = group.linked_at or group.created_at
    closed = await requests.close_with_group(session, group.id, now)
    done, helpers = await requests.done_in_group(session, group.id)
    summary = Summary(
        started_at=started,
        ended_at=now,
        members=len(await members(session, group)),
        requests_done=done,
        helpers=helpers,
        requests_asked=await requests.asked_in_group(session, group.id),
        closed=tuple(closed),
    )
    await session.refresh(group)
    return summary


async def follow_migration(
    session: AsyncSession, old_chat_id: int, new_chat_id: int, *, now: datetime
) -> bool:
    group = await active_in_chat(session, old_chat_id)
    if group is None:
        return False
    group.chat_id = new_chat_id
    # Links of the old chat died with it; /invite makes a new one for the supergroup.
    await revoke_invite_links(session, group, now=now)
    return True


async def open_groups(
    session: AsyncSession, neighbourhood_id: int, page: int
) -> tuple[list[Group], int]:
    """One page of the groups anyone of the neighbourhood may join, by title, and the
    page count."""
    return await page_of(
        session,
        select(Group)
        .where(
            Group.neighbourhood_id == neighbourhood_id,
            Group.status == GroupStatus.ACTIVE,
            Group.invite_only.is_(False),
        )
        .order_by(Group.title, Group.id),
        page,
    )


async def groups_of(session: AsyncSession, user_id: int, *, now: datetime) -> list[Group]:
    """Living groups someone owns or belongs to, pending ones of their own included."""
    member_of = select(GroupMember.group_id).where(
        GroupMember.user_id == user_id,
        GroupMember.left_at.is_(None),
        GroupMember.refused_at.is_(None),
    )
    result = await session.scalars(
        select(Group)
        .where(
            Group.status.in_(LIVING),
            (Group.owner_id == user_id) | Group.id.in_(member_of),
        )
        .order_by(Group.created_at.desc())
    )
    return [g for g in result if g.status == GroupStatus.ACTIVE or g.expires_at > now]
