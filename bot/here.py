"""Where an event happens, worked out once per event.

A chat is a DM, a neighbourhood's own chat, one of its ad-hoc groups, or any
other group chat. Every flow needs to know which before it decides anything, so
the processor asks the database once, in the event's transaction, and flows
read `context.here`. A flow that changes the place (/setup, linking a group,
dissolving one, a chat that moved) resolves it again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.entities import Group, GroupStatus, Neighbourhood


class Where(enum.Flag):
    PRIVATE = enum.auto()
    NEIGHBOURHOOD = enum.auto()  # a group chat registered with /setup
    GROUP = enum.auto()  # an ad-hoc group's chat
    OTHER = enum.auto()  # any other group chat
    GROUP_CHATS = NEIGHBOURHOOD | GROUP | OTHER
    NEIGHBOURHOOD_CHATS = NEIGHBOURHOOD | GROUP  # the chats a neighbourhood's members share
    ANYWHERE = PRIVATE | GROUP_CHATS


class Who(enum.Enum):
    EVERYONE = "everyone"
    CHAT_ADMIN = "chat admin"  # or a facilitator
    COORDINATOR = "coordinator"  # of this neighbourhood (in a DM: of any), or a facilitator
    FACILITATOR = "facilitator"


@dataclass(frozen=True)
class Here:
    """The place: for a group, also the neighbourhood it belongs to (None if it has none)."""

    where: Where
    neighbourhood: Neighbourhood | None = None
    group: Group | None = None
    #: What a shared chat speaks: its neighbourhood's language, in its groups too. Read
    #: once, so the apology for a failed update can be worded after its rollback.
    language: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.neighbourhood is not None:
            object.__setattr__(self, "language", self.neighbourhood.language)

    @property
    def neighbourhood_chat(self) -> Neighbourhood | None:
        """The neighbourhood whose own chat this is (not one of its groups' chats)."""
        return self.neighbourhood if self.where is Where.NEIGHBOURHOOD else None

    @property
    def home(self) -> Neighbourhood | None:
        """The neighbourhood of a shared chat that belongs to one, with its groups' chats."""
        return self.neighbourhood if self.where in Where.NEIGHBOURHOOD_CHATS else None


#: Where scheduled work and updates without a chat happen.
NOWHERE = Here(Where.OTHER)
IN_PRIVATE = Here(Where.PRIVATE)


async def resolve(session: AsyncSession, chat_id: int | None, *, private: bool) -> Here:
    """One lookup for a neighbourhood's chat (most updates), a second for a group's."""
    if chat_id is None:
        return NOWHERE
    if private:
        return IN_PRIVATE
    neighbourhood = await session.scalar(
        select(Neighbourhood).where(Neighbourhood.chat_id == chat_id, Neighbourhood.active)
    )
    if neighbourhood is not None:
        return Here(Where.NEIGHBOURHOOD, neighbourhood)
    group = await session.scalar(
        select(Group).where(Group.chat_id == chat_id, Group.status == GroupStatus.ACTIVE)
    )
    if group is None:
        return Here(Where.OTHER)
    home = (
        await session.get(Neighbourhood, group.neighbourhood_id)
        if group.neighbourhood_id is not None
        else None
    )
    return Here(Where.GROUP, home, group)
