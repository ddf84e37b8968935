"""The one place where handlers' messages leave for Telegram.

Handlers add messages here while their update is being handled; they go out
only after the update's transaction has committed. So a rolled-back update
announces nothing, and no database transaction is held open while we wait
on Telegram.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut

log = logging.getLogger(__name__)


#: Told the id of a message once it is out, to remember it (a card, to edit it later).
OnSent = Callable[[AsyncSession, int], Awaitable[None]]


@dataclass(frozen=True)
class Outgoing:
    chat_id: int
    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    reply_to: int | None = None
    on_sent: OnSent | None = None


@dataclass(frozen=True)
class Action:
    """A Telegram call other than a message (leave a chat, revoke a link), run after commit."""

    call: Callable[[Bot], Awaitable[object]]
    what: str  # for the log, without personal data
    first: bool = False  # answers to button presses go before everything else


@dataclass
class Outbox:
    messages: list[Outgoing | Action] = field(default_factory=list)

    def send(
        self,
        chat_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        reply_to: int | None = None,
        on_sent: OnSent | None = None,
    ) -> None:
        """Queue an HTML message; `text` must come from the translator, which escapes values."""
        self.messages.append(Outgoing(chat_id, text, reply_markup, reply_to, on_sent))

    def edit(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """Replace a message's text (and buttons: none unless given), e.g. a card or question."""
        self.then(
            lambda bot: bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=reply_markup,
            ),
            "edit a message",
        )

    def remove_buttons(self, chat_id: int, message_id: int) -> None:
        self.then(lambda bot: bot.edit_message_reply_markup(chat_id, message_id), "remove buttons")

    def answer(self, query_id: str, text: str | None = None, *, show_alert: bool = False) -> None:
        """Answer a button press once the press's effects are committed, before the edits."""
        answers = sum(1 for item in self.messages if isinstance(item, Action) and item.first)
        self.messages.insert(
            answers,
            Action(
                lambda bot: bot.answer_callback_query(query_id, text, show_alert=show_alert),
                "answer a button press",
                first=True,
            ),
        )

    def then(self, call: Callable[[Bot], Awaitable[object]], what: str) -> None:
        """Queue a Telegram call that must wait for the commit, in order with the messages."""
        self.messages.append(Action(call, what))

    async def deliver(self, bot: Bot) -> list[tuple[OnSent, int]]:
        """Send in order; one failed message does not hold back the others.

        Returns what must be told of the sent messages' ids, for a transaction of its own.
        """
        sent: list[tuple[OnSent, int]] = []
        for item in self.messages:
            if isinstance(item, Action):
                await run_action(bot, item)
                continue
            message_id = await deliver_one(bot, item)
            if message_id is not None and item.on_sent is not None:
                sent.append((item.on_sent, message_id))
        self.messages.clear()
        return sent


async def run_action(bot: Bot, action: Action) -> None:
    try:
        await action.call(bot)
    except TelegramError:
        log.warning("Telegram refused to %s", action.what, exc_info=True)


class Outcome(enum.Enum):
    SENT = "sent"
    REFUSED = "refused"  # Telegram said no: it was not delivered
    UNKNOWN = "unknown"  # timed out or lost on the way: it may have been delivered


async def deliver_one(bot: Bot, message: Outgoing) -> int | None:
    outcome, message_id = await attempt(bot, message)
    return message_id if outcome is Outcome.SENT else None


async def attempt(bot: Bot, message: Outgoing) -> tuple[Outcome, int | None]:
    """Send once, and say whether it surely arrived, surely did not, or we cannot know."""
    try:
        sent = await bot.send_message(
            message.chat_id,
            message.text,
            parse_mode=ParseMode.HTML,
            reply_markup=message.reply_markup,
            reply_to_message_id=message.reply_to,
            allow_sending_without_reply=True,
            disable_web_page_preview=True,
        )
    except Forbidden:
        # Blocked or never started: an ordinary state of affairs, not an error.
        log.debug("chat %s does not accept messages from the bot", message.chat_id)
        return Outcome.REFUSED, None
    except BadRequest:
        log.exception("Telegram refused a message to chat %s", message.chat_id)
        return Outcome.REFUSED, None
    except (TimedOut, NetworkError):
        log.warning("no answer from Telegram for chat %s", message.chat_id, exc_info=True)
        return Outcome.UNKNOWN, None
    except TelegramError:
        log.warning("could not deliver a message to chat %s", message.chat_id, exc_info=True)
        return Outcome.REFUSED, None
    return Outcome.SENT, sent.message_id
