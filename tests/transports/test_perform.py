"""What Telegram's errors mean for an outbox row, as the courier is told it."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
from telegram import Bot
from telegram.constants import MessageLimit
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot import choices, delivery, outbox
from bot.outbox import Kind, Outbox
from models.entities import OutboxMessage
from transports.telegram.pacing import background
from transports.telegram.perform import _markup, delivery_of, perform


def _row(kind: str = Kind.SEND, chat_id: int = 42) -> OutboxMessage:
    return OutboxMessage(id=7, chat_id=chat_id, kind=kind, params='{"text": "hoi"}', attempts=0)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (RetryAfter(3), delivery.RetryAfter(3.0)),
        (RetryAfter(timedelta(seconds=2.5)), delivery.RetryAfter(2.5)),
        (Forbidden("Forbidden: bot was blocked by the user"), delivery.Refused()),
        (ChatMigrated(-100123), delivery.Moved(-100123)),
        (
            BadRequest("Message is not modified: specified new message content"),
            delivery.NotModified(),
        ),
        (BadRequest("Bad Request: chat not found"), delivery.Refused()),
        (TimedOut(), delivery.Unknown()),
        (NetworkError("Bad Gateway"), delivery.Unknown()),
        (Conflict("terminated by other getUpdates request"), delivery.Unknown()),
        (KeyError("text"), delivery.Dropped()),
    ],
)
def test_each_error_means_one_delivery(error: Exception, expected: delivery.Delivery):
    assert delivery_of(_row(), error) == expected


def test_what_is_logged_names_no_person(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    delivery_of(_row(chat_id=4242), BadRequest("Bad Request: chat not found"))
    delivery_of(_row(chat_id=4242), NetworkError("Bad Gateway"))
    delivery_of(_row(chat_id=4242), Forbidden("Forbidden: bot was blocked by the user"))
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert len(loud) == 2
    assert all("a private chat" in line and "4242" not in line for line in loud)


async def test_a_row_no_call_can_be_made_of_is_dropped(caplog: pytest.LogCaptureFixture):
    unusable = cast(Bot, None)  # never reached: the row's kind is unknown before any call
    assert await perform(unusable, _row(kind="nonsense")) == delivery.Dropped()
    (record,) = [r for r in caplog.records if "cannot be sent; dropped" in r.getMessage()]
    assert record.exc_info is not None


class _Lanes:
    """Stands in for PTB's Bot: notes which lane each message was sent in."""

    def __init__(self) -> None:
        self.lanes: list[bool] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> SimpleNamespace:
        self.lanes.append(background.get())
        return SimpleNamespace(message_id=len(self.lanes))


async def test_a_background_row_is_sent_behind_residents_whoever_sends_it():
    """The sweep, or a bot started again, does not run in the round's context."""
    outbox = Outbox()
    outbox.send(42, "nudge", once=True, background=True)
    outbox.send(42, "reply")
    bot = _Lanes()
    for row in outbox.rows:
        assert await perform(cast(Bot, bot), row) == delivery.Sent(len(bot.lanes))
    assert bot.lanes == [True, False]
    assert background.get() is False  # and only for that call


def test_choices_become_buttons_and_old_rows_keep_their_markup():
    offered = choices.offered(
        [choices.Offer("I'll do it", choices.Claim(12))],
        [choices.LinkOffer("Join", "https://t.me/+abc")],
        [],
    )
    markup = _markup({"choices": offered.as_params()}, None)
    assert markup is not None
    (claim,), (join,) = markup.inline_keyboard
    assert (claim.text, claim.callback_data, join.text, join.url) == (
        "I'll do it",
        "rq:c:12",
        "Join",
        "https://t.me/+abc",
    )
    old = {"inline_keyboard": [[{"text": "Done", "callback_data": "rq:d:3"}]]}
    kept = _markup({"markup": old}, None)
    assert kept is not None and kept.inline_keyboard[0][0].callback_data == "rq:d:3"
    assert _markup({"choices": None, "markup": None}, None) is None


def test_an_offer_over_the_limit_is_refused_where_it_is_made():
    with pytest.raises(ValueError, match="no row id"):
        choices.Offer("x", choices.Claim(-1))


def test_the_message_limit_is_telegrams():
    assert outbox.MESSAGE_MAX == MessageLimit.MAX_TEXT_LENGTH
