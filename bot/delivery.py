"""How an outbox row's call went, as a transport tells the courier.

The transport maps its own answers and errors to these (for Telegram:
transports/telegram/perform.py); the courier decides what each means for the row,
and never sees a messenger's exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sent:
    """It is out; the id of the message it made, or the invite link, if it made one."""

    message_id: int | None = None
    link: str | None = None


@dataclass(frozen=True)
class Refused:
    """The messenger said no (blocked, not allowed, a bad request): sending again cannot help."""


@dataclass(frozen=True)
class RetryAfter:
    """Too many at once: the messenger surely did not take it, and says when to try again."""

    seconds: float


@dataclass(frozen=True)
class Unknown:
    """No answer, a lost connection, a server error: it may have come through, or not."""


@dataclass(frozen=True)
class Moved:
    """The chat lives on under another id (a Telegram group became a supergroup)."""

    chat_id: int


@dataclass(frozen=True)
class NotModified:
    """The message already shows this: nothing to do, and nothing to record."""


@dataclass(frozen=True)
class Dropped:
    """No call can be made of the row (a bug, or a kind this version does not know)."""


Delivery = Sent | Refused | RetryAfter | Unknown | Moved | NotModified | Dropped
