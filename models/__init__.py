"""The domain: entities and the operations on them. No Telegram imports here."""

from models.base import Base
from models.entities import (
    ActivityDay,
    ChatDigest,
    Group,
    GroupInviteLink,
    GroupMember,
    GroupStatus,
    JoinRequest,
    JoinRequestStatus,
    Neighbourhood,
    Nudge,
    NudgeStatus,
    Request,
    RequestKind,
    RequestState,
    Resident,
    User,
)

__all__ = [
    "ActivityDay",
    "Base",
    "ChatDigest",
    "Group",
    "GroupInviteLink",
    "GroupMember",
    "GroupStatus",
    "JoinRequest",
    "JoinRequestStatus",
    "Neighbourhood",
    "Nudge",
    "NudgeStatus",
    "Request",
    "RequestKind",
    "RequestState",
    "Resident",
    "User",
]
