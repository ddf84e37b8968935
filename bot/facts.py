"""What a flow needs to know from the messenger, asked before its transaction opens.

A member's status, the bot's rights and a chat's admins change at any time, so
they are asked for each event that needs them; but never while a transaction
holds the database, so the transport fetches them first (inside the chat's
turn) and they come with the event. `None` means "not asked for this event".
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from models.people import Person


class Need(enum.Enum):
    SENDER_IS_ADMIN = "sender is admin"
    BOT_RIGHTS = "bot rights"
    ADMINS = "admins"


@dataclass(frozen=True)
class Rights:
    """The bot's own standing in a chat."""

    invite: bool = False  # may make invite links
    restrict: bool = False  # may remove and ban members
    sees_messages: bool = False  # reads every message, not only commands


@dataclass(frozen=True)
class Facts:
    sender_is_admin: bool | None = None
    bot_rights: Rights | None = None
    #: The chat's admins who are people, not bots.
    admins: tuple[Person, ...] | None = None


NONE = Facts()

#: How the shell asks a transport about a chat outside an update (a scheduled link).
ChatFacts = Callable[[int, frozenset[Need]], Awaitable[Facts]]
