"""The Telegram side of choices: buttons carry them, presses give them back."""

from __future__ import annotations

import re

import pytest
from telegram import CallbackQuery, Update, User
from telegram.constants import InlineKeyboardButtonLimit

from bot import choices
from bot.choices import KINDS, CancelRequest, Choice, Claim, Done, Menu, Release
from handlers.buttons import chosen, pattern
from tests.bot.test_choices import WIRE


def test_the_limit_is_telegrams():
    assert choices.MAX_DATA == InlineKeyboardButtonLimit.MAX_CALLBACK_DATA


def _press(data: str | None) -> Update:
    query = CallbackQuery("1", User(1, "Anna", False), chat_instance="c", data=data)
    return Update(1, callback_query=query)


def test_the_pattern_is_the_prefix_of_the_kinds():
    assert pattern(Claim, Release, Done, CancelRequest) == r"^rq:"
    assert pattern(Menu) == r"^menu:"


@pytest.mark.parametrize("kind", KINDS)
def test_each_kinds_pattern_takes_its_own_buttons_only(kind: type[Choice]):
    mine = re.compile(pattern(kind))
    for other, data in WIRE:
        assert bool(mine.match(data)) == (choices.prefix(type(other)) == choices.prefix(kind))


def test_a_press_gives_its_choice_if_it_is_one_of_the_handlers():
    found = chosen(_press("rq:d:7"), Claim, Done)
    assert found is not None and found[1] == Done(7)
    assert chosen(_press("rq:x:7"), Claim, Done) is None  # the right prefix, another kind
    assert chosen(_press("menu:help"), Claim) is None
    assert chosen(_press("rq:d:seven"), Done) is None
    assert chosen(_press(None), Done) is None
    assert chosen(Update(2), Done) is None
