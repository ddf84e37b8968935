"""The entities: neighbourhoods, people, who lives where, and their groups."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime


class Neighbourhood(Base):
    """A Telegram group chat registered with /setup."""

    __tablename__ = "neighbourhood"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    nudge_after_days: Mapped[int] = mapped_column(Integer, default=14)
    #: Local "HH:MM" times; the quiet period may run across midnight.
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="09:00")
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: Asked of people the bot does not know as residents when they want to join a group.
    join_question: Mapped[str | None] = mapped_column(String(255), default=None)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    residents: Mapped[list[Resident]] = relationship(back_populates="neighbourhood", lazy="raise")


class User(Base):
    """A Telegram user the bot has seen; the id is Telegram's own."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64), default=None)
    language_code: Mapped[str | None] = mapped_column(String(16), default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the bot last saw this person, to the hour, and exactly whenever their
    #: username changed: an @username means whoever was seen holding it last.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Resident(Base):
    """A user's membership of one neighbourhood, kept after they leave for the record."""

    __tablename__ = "resident"
    __table_args__ = (UniqueConstraint("neighbourhood_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: Banned from the neighbourhood chat, and so from all of its groups.
    banned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    neighbourhood: Mapped[Neighbourhood] = relationship(back_populates="residents", lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")


class GroupStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DISSOLVED = "dissolved"
    EXPIRED = "expired"  # pending, never linked within 48 hours


class Group(Base):
    """A private chat for one purpose, linked to a neighbourhood.

    Only a hash of the link token is stored: whoever reads the database cannot
    link a chat with it.
    """

    __tablename__ = "group"
    __table_args__ = (
        # A chat holds at most one living group; dissolved ones stay for the record.
        # Finding due nudges: one range scan, already in due order.
        Index("ix_group_status_nudge_due_at", "status", "nudge_due_at"),
        Index(
            "uq_group_active_chat",
            "chat_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    title: Mapped[str] = mapped_column(String(64))
    invite_only: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=GroupStatus.PENDING, index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None, index=True)
    bot_can_invite: Mapped[bool] = mapped_column(Boolean, default=False)
    bot_can_restrict: Mapped[bool] = mapped_column(Boolean, default=False)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: When the next nudge is due: kept up to date on activity, nudges and snoozes,
    #: so that finding due groups is one indexed range scan.
    nudge_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ignored_nudges: Mapped[int] = mapped_column(Integer, default=0)
    needs_attention: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    dissolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    dissolved_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    dissolve_reason: Mapped[str | None] = mapped_column(String(255), default=None)
    #: Personal data (members, names, request texts) erased after the retention period.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    neighbourhood: Mapped[Neighbourhood | None] = relationship(lazy="raise")


class GroupMember(Base):
    """Someone in a group's chat, as far as the bot has seen."""

    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: Found in the chat without having come in through a join request the bot could
    #: allow: removed if the bot can, otherwise ignored there while they stay.
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship(lazy="raise")


class GroupInviteLink(Base):
    """A join-request link the bot made, kept so that dissolving can revoke it."""

    __tablename__ = "group_invite_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class JoinRequestStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for an invite-only group's owner (maybe vouched for)
    ASKED = "asked"  # a stranger was asked the neighbourhood's join question
    ANSWERED = "answered"  # their answer went to the coordinators
    APPROVED = "approved"
    DECLINED = "declined"


class JoinRequest(Base):
    """A request to join a group that someone has to decide on: its owner, or coordinators."""

    __tablename__ = "join_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=JoinRequestStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decided_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    #: The coordinator whose "yes, a neighbour" made a stranger a candidate.
    vouched_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    #: A join answer that nobody who decides could see yet: kept until it is decided.
    answer: Mapped[str | None] = mapped_column(String(500), default=None)
    #: When a coordinator (or facilitator) could first see the answer; 48 hours run from here.
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship(lazy="raise")


class JoinPrompt(Base):
    """A DM that put a join request to someone who decides: once it is decided, its
    buttons go and it says who decided what. The message id comes once it is sent."""

    __tablename__ = "join_prompt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    join_request_id: Mapped[int] = mapped_column(
        ForeignKey("join_request.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    language_code: Mapped[str | None] = mapped_column(String(16), default=None)


class RequestKind(enum.StrEnum):
    ASK = "ask"
    OFFER = "offer"


class RequestState(enum.StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    CANCELLED = "cancelled"


class Request(Base):
    """An ask or an offer, posted as a card in one chat.

    Its text is the only message content the bot keeps, besides proposals.
    """

    __tablename__ = "request"
    __table_args__ = (
        Index("ix_request_chat_state", "chat_id", "state"),
        # The scheduler's reminders: open asks by age, claimed requests by due date.
        Index("ix_request_state_created_at", "state", "created_at"),
        Index("ix_request_state_due", "state", "due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default=RequestState.OPEN)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("group.id", ondelete="CASCADE"), index=True
    )
    asker_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    on_behalf_of: Mapped[str | None] = mapped_column(String(64), default=None)
    text: Mapped[str] = mapped_column(String(500))
    due: Mapped[date | None] = mapped_column(Date, default=None)
    claimer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None
    )
    card_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    due_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    cancel_reason: Mapped[str | None] = mapped_column(String(255), default=None)

    asker: Mapped[User] = relationship(foreign_keys=[asker_id], lazy="raise")
    claimer: Mapped[User | None] = relationship(foreign_keys=[claimer_id], lazy="raise")


class ActivityDay(Base):
    """How many messages a chat saw on one (UTC) day: a count, never the content."""

    __tablename__ = "activity_day"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)


class LinkFallback(Base):
    """A chat the bot was added to without a link token, waiting for the token a while.

    When `due_at` passes and no token came, the adder's pending group is linked to it
    (or they are asked which). Stored, so a restart in between does not forget it.
    """

    __tablename__ = "link_fallback"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    added_by: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class NudgeStatus(enum.StrEnum):
    DUE = "due"  # decided; waiting to be sent (also after a failed try)
    SENDING = "sending"  # claimed by one scheduler
    QUEUED = "queued"  # a /nudge, in the outbox: the courier records how it went, no round
    SENT = "sent"
    FAILED = "failed"  # gave up


class Nudge(Base):
    """One nudge to one quiet group, recorded when it is decided, so it is sent once."""

    __tablename__ = "nudge"
    __table_args__ = (
        UniqueConstraint("group_id", "due_at"),
        Index("ix_nudge_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    #: The group's nudge_due_at that this nudge answers: one nudge per due moment.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    quiet_days: Mapped[int] = mapped_column(Integer)
    #: 1 for the first nudge of a quiet spell; 2 also tells the owner; 3 flags the group.
    step: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=NudgeStatus.DUE)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    answer: Mapped[str | None] = mapped_column(String(16), default=None)


class ChatDigest(Base):
    """When a chat last got its weekly "still open" digest."""

    __tablename__ = "chat_digest"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Coordinator(Base):
    """Someone who looks after one neighbourhood: its chat's admins at /setup, and more."""

    __tablename__ = "coordinator"
    __table_args__ = (UniqueConstraint("neighbourhood_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    added_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """One facilitator or coordinator action: who, what, when, on what. Never content."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="SET NULL"), index=True, default=None
    )
    target: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(255), default=None)


class ReportDigest(Base):
    """The Monday digest a facilitator or coordinator last got, to skip unchanged ones."""

    __tablename__ = "report_digest"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    week: Mapped[date] = mapped_column(Date)
    fingerprint: Mapped[str] = mapped_column(String(64))


class InboxState(enum.StrEnum):
    PENDING = "pending"  # stored, not yet handled
    DONE = "done"  # handled; kept a while so a redelivered update is recognised
    PARKED = "parked"  # failed too often; waits for `buurtbot inbox retry`


class InboxUpdate(Base):
    """An update from Telegram, stored before Telegram is told we have it.

    The content is kept only until the update is handled; the id stays a while
    longer, so that an update Telegram sends twice has its effects once.
    """

    __tablename__ = "inbox_update"
    __table_args__ = (Index("ix_inbox_update_state_update_id", "state", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    payload: Mapped[str | None] = mapped_column(Text, default=None)
    state: Mapped[str] = mapped_column(String(8), default=InboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The last failure's exception class, never its message (that may quote the update).
    error: Mapped[str | None] = mapped_column(String(64), default=None)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class OutboxMessage(Base):
    """A call to Telegram (mostly a message) committed with the change it tells about.

    Deleted once Telegram has it; until then it is retried, in order per chat.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_chat_id_id", "chat_id", "id"),
        Index("ix_outbox_message_next_attempt_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    params: Mapped[str] = mapped_column(Text)
    #: Where the sent message's id must be recorded ("card", "nudge"), and for which row.
    remember: Mapped[str | None] = mapped_column(String(16), default=None)
    remember_id: Mapped[int | None] = mapped_column(Integer, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
