"""The command table: names Telegram accepts, and every word of /help in both languages."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALE_DIR, Translator
from handlers.commands import TABLE, command_name
from handlers.newgroup import parse_request

#: Telegram's rule for a command's name.
NAME = re.compile(r"[a-z0-9_]{1,32}")
#: A command named in a reply: "/vraag", not "</b>", "t.me/x" or "/{command}".
MENTION = re.compile(r"(?<![\w/<.:])/([a-z0-9_]+)(?!\w)")


def test_every_command_has_a_dutch_name_telegram_accepts_and_nobody_else_has():
    names = [name for c in TABLE for name in {c.name, c.dutch}]
    assert all(NAME.fullmatch(name) for name in names)
    assert len(names) == len(set(names))
    assert command_name("ask", "nl") == "vraag" and command_name("ask", "en") == "ask"


@pytest.mark.parametrize("command", TABLE, ids=lambda c: c.name)
def test_help_speaks_dutch_for_every_command(command):
    """A text missing from the Dutch catalog comes out as its English msgid."""
    _ = Translator("nl").get("nl")
    texts = [text for use in command.uses for text in (use.description, use.usage)]
    for text in filter(None, [*texts, command.example]):
        assert _(text) != text, text


def test_dutch_help_writes_the_flag_the_dutch_replies_name():
    _ = Translator("nl").get("nl")
    newgroup = next(c for c in TABLE if c.name == "newgroup")
    assert _(newgroup.usage).startswith("[-besloten]")
    assert "-besloten" in _(
        "Please give your group a name, for example:\n"
        "/newgroup Boodschappen mevrouw De Vries\n"
        "Add -private before the name for a group where you approve who joins."
    )
    assert parse_request("-besloten Speeltuin").invite_only
    assert parse_request("-private Speeltuin").invite_only


@pytest.mark.parametrize("language", ["nl", "en"])
def test_replies_name_commands_in_their_own_language(language: str):
    names = {c.name_in(language) for c in TABLE}
    with (LOCALE_DIR / language / "LC_MESSAGES" / "buurtbot.po").open("rb") as handle:
        for message in read_po(handle):
            forms = [message.string] if isinstance(message.string, str) else message.string or ()
            for form in forms:
                wrong = set(MENTION.findall(form or "")) - names
                assert not wrong, f"{sorted(wrong)} in {form!r}"
