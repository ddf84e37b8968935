"""The domain: entities and the operations on them. No Telegram imports here."""

from models.base import Base
from models.entities import (
    Group,
    GroupInviteLink,
    GroupMember,
    GroupStatus,
    JoinRequest,
    JoinRequestStatus,
    Neighbourhood,
    Request,
    RequestKind,
    RequestState,
    Resident,
    User,
)

__all__ = [
    "Base",
    "Group",
    "GroupInviteLink",
    "GroupMember",
    "GroupStatus",
    "JoinRequest",
    "JoinRequestStatus",
    "Neighbourhood",
    "Request",
    "RequestKind",
    "RequestState",
    "Resident",
    "User",
]
