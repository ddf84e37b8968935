"""Effects not worth keeping across a crash: done after the commit, never stored.

An answer to a press is useless a minute later, and a chart or a table is made
again by asking again. Everything else a flow does goes through the outbox's rows.
Each transport performs these in its own way (Telegram: transports/telegram/perform.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class AnswerPress:
    """The short answer to whoever pressed a choice: a popup, or nothing to see."""

    press: str
    text: str | None = None
    alert: bool = False


@dataclass(frozen=True)
class SendPicture:
    """A picture drawn only once the transaction is over, off the event loop."""

    chat: int
    draw: Callable[[], bytes]
    caption: str | None = None


@dataclass(frozen=True)
class SendFile:
    chat: int
    name: str
    data: bytes


Passing = AnswerPress | SendPicture | SendFile
#: How the shell has a transport perform one (it logs what fails; nothing is retried).
Act = Callable[[Passing], Awaitable[None]]
