"""Which updates make the bot ask Telegram first: only those whose flow needs to know."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot import choices
from bot.facts import Need
from transports.telegram.facts import needs

GROUP = {"id": -100, "type": "supergroup", "title": "Kerklaan"}
PRIVATE = {"id": 7, "type": "private", "first_name": "Anna"}
ANNA = {"id": 7, "is_bot": False, "first_name": "Anna"}


def _message(text: str, chat: dict[str, Any] = GROUP) -> Update:
    command = text.split()[0] if text.startswith("/") else ""
    entities = [{"type": "bot_command", "offset": 0, "length": len(command)}] if command else []
    message = {"message_id": 1, "date": 0, "chat": chat, "from": ANNA, "text": text}
    return Update.de_json({"update_id": 1, "message": {**message, "entities": entities}}, None)


def _press(data: str) -> Update:
    message = {"message_id": 1, "date": 0, "chat": GROUP, "text": "?"}
    query = {"id": "q", "from": ANNA, "chat_instance": "c", "data": data, "message": message}
    return Update.de_json({"update_id": 1, "callback_query": query}, None)


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("/setup", set(Need)),
        ("/setup@buurt_bot", set(Need)),
        ("/start", set()),
        ("/start abc123", {Need.BOT_RIGHTS, Need.ADMINS}),  # a new group's link token
        ("/help", {Need.SENDER_IS_ADMIN}),
        ("/hulp", {Need.SENDER_IS_ADMIN}),
        ("/announce hello", {Need.SENDER_IS_ADMIN}),  # coordinators only
        ("/ask boodschappen", set()),
        ("/vraag boodschappen", set()),
        ("/setup@other_bot", set()),  # meant for another bot
        ("/nosuchcommand", set()),
        ("hello /setup", set()),
    ],
)
def test_commands_in_a_group_need_what_their_flow_asks(text: str, wanted: set[Need]) -> None:
    assert needs(_message(text), "buurt_bot") == wanted


def test_nothing_is_asked_in_a_private_chat() -> None:
    assert needs(_message("/setup", PRIVATE), "buurt_bot") == set()
    assert needs(_message("/help", PRIVATE), "buurt_bot") == set()


def test_choosing_a_group_for_a_chat_asks_for_the_bots_rights_and_the_admins() -> None:
    assert needs(_press(choices.encode(choices.LinkChosen(3))), "buurt_bot") == {
        Need.BOT_RIGHTS,
        Need.ADMINS,
    }
    assert needs(_press(choices.encode(choices.Claim(3))), "buurt_bot") == set()
    assert needs(_press("lk:forged:data"), "buurt_bot") == set()
