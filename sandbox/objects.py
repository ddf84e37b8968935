"""Plain records of world state and their Telegram JSON shapes.

Every ``to_json`` here must parse with python-telegram-bot's ``de_json`` without landing in
``api_kwargs``; the tests check that, so a Bot API upgrade that adds a required field shows up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# ChatMemberAdministrator fields, in Bot API order; all required by PTB 22.
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)
PRESENT = frozenset({"creator", "administrator", "member"})
# What a person promoted in the app typically gets; used for test-made admins.
USUAL_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
)


@dataclass
class Member:
    """A user's standing in one chat; the bot has one of these in every group too."""

    status: str  # creator | administrator | member | left | kicked
    rights: dict[str, bool] = field(default_factory=dict)
    until_date: int = 0

    @property
    def present(self) -> bool:
        return self.status in PRESENT

    @property
    def is_admin(self) -> bool:
        return self.status in ("creator", "administrator")

    def has(self, right: str) -> bool:
        return self.status == "creator" or (
            self.status == "administrator" and self.rights.get(right, False)
        )

    def to_json(self, user: JSON, *, can_be_edited: bool = False) -> JSON:
        data: JSON = {"status": self.status, "user": user}
        if self.status == "creator":
            data["is_anonymous"] = False
        elif self.status == "administrator":
            data["can_be_edited"] = can_be_edited
            data["is_anonymous"] = False
            data.update({right: self.rights.get(right, False) for right in ADMIN_RIGHTS})
        elif self.status == "kicked":
            data["until_date"] = self.until_date
        return data


def admin_rights(**granted: bool) -> dict[str, bool]:
    """Full rights dict; unknown names are a test bug, so they fail loudly."""
    unknown = set(granted) - set(ADMIN_RIGHTS)
    if unknown:
        raise AssertionError(f"unknown administrator rights: {sorted(unknown)}")
    rights = dict.fromkeys(ADMIN_RIGHTS, False)
    rights.update(granted)
    rights["can_manage_chat"] = True  # implied by any promotion
    return rights


@dataclass
class InviteLink:
    url: str
    chat_id: int
    creator: JSON
    creates_join_request: bool = False
    name: str | None = None
    expire_date: int | None = None
    member_limit: int | None = None
    is_revoked: bool = False
    joined: int = 0

    def to_json(self, pending: int = 0) -> JSON:
        data: JSON = {
            "invite_link": self.url,
            "creator": self.creator,
            "creates_join_request": self.creates_join_request,
            "is_primary": False,
            "is_revoked": self.is_revoked,
        }
        for key in ("name", "expire_date", "member_limit"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.creates_join_request:
            data["pending_join_request_count"] = pending
        return data


@dataclass
class JoinRequest:
    chat_id: int
    user_id: int
    date: int
    link: InviteLink | None


@dataclass
class StoredFile:
    """An uploaded file; tests can read ``content`` back (e.g. an exported CSV)."""

    file_id: str
    file_unique_id: str
    content: bytes | None
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.content) if self.content is not None else 0

    def document_json(self) -> JSON:
        data: JSON = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        if self.content is not None:
            data["file_size"] = self.size
        return data

    def photo_json(self) -> list[JSON]:
        sizes = []
        for suffix, side in (("s", 90), ("m", 320), ("", 800)):
            size: JSON = {
                "file_id": self.file_id + suffix,
                "file_unique_id": self.file_unique_id + suffix,
                "width": side,
                "height": side,
            }
            if self.content is not None:
                size["file_size"] = self.size
            sizes.append(size)
        return sizes


@dataclass
class Poll:
    id: str
    question: str
    options: list[str]
    is_anonymous: bool = True
    type: str = "regular"
    allows_multiple_answers: bool = False
    correct_option_ids: list[int] = field(default_factory=list)
    explanation: str | None = None
    is_closed: bool = False
    votes: dict[int, list[int]] = field(default_factory=dict)

    def counts(self) -> list[int]:
        counts = [0] * len(self.options)
        for chosen in self.votes.values():
            for option in chosen:
                counts[option] += 1
        return counts

    def to_json(self) -> JSON:
        data: JSON = {
            "id": self.id,
            "question": self.question,
            "options": [
                {"text": text, "voter_count": count, "persistent_id": str(index)}
                for index, (text, count) in enumerate(zip(self.options, self.counts(), strict=True))
            ],
            "total_voter_count": sum(1 for chosen in self.votes.values() if chosen),
            "is_closed": self.is_closed,
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": self.type == "regular",
            "members_only": False,
        }
        if self.type == "quiz" and self.correct_option_ids:
            data["correct_option_ids"] = list(self.correct_option_ids)
        if self.explanation:
            data["explanation"] = self.explanation
        return data


def accepted_gift_types() -> JSON:
    return {
        "unlimited_gifts": False,
        "limited_gifts": False,
        "unique_gifts": False,
        "premium_subscription": False,
        "gifts_from_channels": False,
    }


def default_permissions() -> JSON:
    return dict.fromkeys(
        (
            "can_send_messages",
            "can_send_audios",
            "can_send_documents",
            "can_send_photos",
            "can_send_videos",
            "can_send_video_notes",
            "can_send_voice_notes",
            "can_send_polls",
            "can_send_other_messages",
            "can_add_web_page_previews",
            "can_invite_users",
        ),
        True,
    ) | dict.fromkeys(("can_change_info", "can_pin_messages", "can_manage_topics"), False)
