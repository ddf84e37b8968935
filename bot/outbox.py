"""The one place where handlers' messages leave for Telegram.

Handlers add messages here while their update is being handled. They are
written to the database in the update's own transaction (models/deliveries.py)
and sent once it has committed, by the courier. So a rolled-back update
announces nothing, a crash after the commit still announces it, and no
database transaction is held open while we wait on Telegram.

Only answers to button presses and report charts skip the database: the first
are useless a minute later, the second are drawn again by asking again.
"""

from __future__ import annotations

import enum
import html
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.choices import Choices
from bot.effects import AnswerPress, Passing, SendFile, SendPicture
from models.entities import OutboxMessage

if TYPE_CHECKING:
    from bot.receipts import Receipt

log = logging.getLogger(__name__)

#: Telegram takes 4,096 characters a message (PTB's `MessageLimit.MAX_TEXT_LENGTH`, which
#: tests/transports/test_perform.py holds this to), counted in UTF-16 units once it has
#: read the HTML: tags do not count, and an entity such as &amp; counts as one.
MESSAGE_MAX = 4096
#: Keys of a row's params that are the courier's and the transport's, not the call's.
ONCE = "once"  # at most once: a try that may have come through is never made again
LANE = "lane"  # BACKGROUND: residents' messages go first (transports/telegram/pacing.py)
BACKGROUND = "background"
_TAG = re.compile(r"<[^>]*>")


def telegram_length(text: str) -> int:
    """Characters as Telegram counts them: UTF-16 units, so 😀 is 2."""
    return len(text.encode("utf-16-le")) // 2


def _units(html_text: str) -> int:
    return telegram_length(html.unescape(_TAG.sub("", html_text)))


def pieces(text: str) -> list[str]:
    """A text as messages Telegram takes: split between lines, so no tag is cut in two.

    Lists grow with a deployment (30 neighbourhoods with long names fill a message); a
    single line longer than a message is left whole, for Telegram to refuse.
    """
    if _units(text) <= MESSAGE_MAX:
        return [text]
    found: list[str] = []
    lines: list[str] = []
    size = 0
    for line in text.split("\n"):
        units = _units(line)
        if lines and size + 1 + units > MESSAGE_MAX:
            found.append("\n".join(lines))
            lines, size = [], -1
        lines.append(line)
        size += 1 + units
    found.append("\n".join(lines))
    return [piece for piece in found if piece.strip()]


class Kind(enum.StrEnum):
    """What an outbox row asks of Telegram; transports/telegram/perform.py does each."""

    SEND = "send"
    EDIT = "edit"
    BUTTONS_OFF = "buttons_off"
    APPROVE = "approve"
    DECLINE = "decline"
    BAN = "ban"
    UNBAN = "unban"
    REVOKE = "revoke"
    LEAVE = "leave"
    CLOSE_INVITES = "close_invites"
    INVITE_LINK = "invite_link"


@dataclass
class Outbox:
    messages: list[OutboxMessage | Passing] = field(default_factory=list)

    def _queue(
        self, kind: Kind, chat_id: int, receipt: Receipt | None = None, **params: Any
    ) -> None:
        self.messages.append(
            OutboxMessage(
                chat_id=chat_id,
                kind=kind,
                params=json.dumps(params, ensure_ascii=False),
                remember=receipt.name if receipt else None,
                remember_id=receipt.id if receipt else None,
                attempts=0,
            )
        )

    def send(
        self,
        chat_id: int,
        text: str,
        *,
        choices: Choices | None = None,
        reply_to: int | None = None,
        receipt: Receipt | None = None,
        once: bool = False,
        background: bool = False,
    ) -> None:
        """Queue an HTML message; `text` must come from the translator, which escapes values.

        `receipt` says what its sending means, e.g. `CardShown(request.id)`: the card's
        message id is recorded (handlers/receipts.py). A text too long for one message
        goes as several, the first replying to `reply_to`; never one with buttons, which
        are pressed with the message they are under (an announcement's preview is read
        back from it).

        `once`: sent at most once, never again after a try whose outcome is unknown (a
        nudge: better lost than said twice). `background`: it waits for residents'.
        """
        delivery: dict[str, Any] = {}
        if once:
            delivery[ONCE] = True
        if background:
            delivery[LANE] = BACKGROUND
        parts = [text] if choices else pieces(text)
        for n, part in enumerate(parts, start=1):
            last = n == len(parts)
            self._queue(
                Kind.SEND,
                chat_id,
                receipt if last else None,
                text=part,
                choices=choices.as_params() if choices else None,
                reply_to=reply_to if n == 1 else None,
                **delivery,
            )

    def edit(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        choices: Choices | None = None,
    ) -> None:
        """Replace a message's text (and choices: none unless given), e.g. a card's."""
        offered = choices.as_params() if choices else None
        self._queue(Kind.EDIT, chat_id, message_id=message_id, text=text, choices=offered)

    def remove_buttons(self, chat_id: int, message_id: int) -> None:
        self._queue(Kind.BUTTONS_OFF, chat_id, message_id=message_id)

    def approve(self, chat_id: int, user_id: int) -> None:
        """Let someone into a group that they asked to join."""
        self._queue(Kind.APPROVE, chat_id, user_id=user_id)

    def decline(self, chat_id: int, user_id: int) -> None:
        self._queue(Kind.DECLINE, chat_id, user_id=user_id)

    def ban(self, chat_id: int, user_id: int) -> None:
        self._queue(Kind.BAN, chat_id, user_id=user_id)

    def unban(self, chat_id: int, user_id: int) -> None:
        self._queue(Kind.UNBAN, chat_id, user_id=user_id)

    def revoke(self, chat_id: int, link: str) -> None:
        """Close an invite link the bot made."""
        self._queue(Kind.REVOKE, chat_id, link=link)

    def leave(self, chat_id: int) -> None:
        self._queue(Kind.LEAVE, chat_id)

    def close_invites(self, chat_id: int) -> None:
        """Turn off members' right to add people: a group's join requests are the way in."""
        self._queue(Kind.CLOSE_INVITES, chat_id)

    def make_invite_link(self, chat_id: int, name: str, receipt: Receipt) -> None:
        """A link that files join requests; the receipt records it once it is made."""
        self._queue(Kind.INVITE_LINK, chat_id, receipt, name=name)

    def answer(self, press: str, text: str | None = None, *, show_alert: bool = False) -> None:
        """Answer a press once its effects are committed, before the edits it makes."""
        answers = sum(1 for item in self.messages if isinstance(item, AnswerPress))
        self.messages.insert(answers, AnswerPress(press, text, show_alert))

    def picture(self, chat_id: int, draw: Callable[[], bytes], caption: str | None = None) -> None:
        """A chart, drawn after the commit and off the event loop; lost in a crash."""
        self.messages.append(SendPicture(chat_id, draw, caption))

    def file(self, chat_id: int, name: str, data: bytes) -> None:
        """A file such as a CSV table; lost in a crash, made again by asking again."""
        self.messages.append(SendFile(chat_id, name, data))

    @property
    def rows(self) -> list[OutboxMessage]:
        return [item for item in self.messages if isinstance(item, OutboxMessage)]

    @property
    def passing(self) -> list[Passing]:
        """What is done after the commit without being stored, answers to presses first."""
        return [item for item in self.messages if not isinstance(item, OutboxMessage)]
