"""Commands by their Dutch names, and a /help and /start that fit the person and the place."""

from __future__ import annotations

import re

from bot.context import BuurtApplication
from sandbox import Chat, Sandbox, User
from tests.e2e.conftest import People
from tests.e2e.groups_world import neighbourhood, start_group

COMMAND = re.compile(r"^/(\w+)", re.MULTILINE)


async def _listed(user: User, chat: Chat, text: str = "/help") -> set[str]:
    """The commands a reply lists, one per line, as they are written there."""
    await user.send(chat, text)
    return set(COMMAND.findall((await chat.next_bot_message()).text))


async def test_dutch_names_work_for_dutch_and_english_residents(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet  # Anna reads Dutch, Piet English
    street = await neighbourhood(sb, anna, piet)
    await piet.send(street.chat, "/vraag boodschappen halen")
    assert "boodschappen halen" in (await street.chat.next_bot_message()).text
    await anna.send(street.chat, "/aanbod ik kan een ladder uitlenen")
    assert "ladder" in (await street.chat.next_bot_message()).text
    await anna.send(street.chat, "/verzoeken@buurtbot_test")
    listing = (await street.chat.next_bot_message()).text
    assert "boodschappen" in listing and "ladder" in listing
    await piet.send(piet.dm, "/mijn")
    assert "boodschappen halen" in (await piet.dm.next_bot_message()).text


async def test_a_reply_names_the_command_in_the_readers_language(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    await anna.send(anna.dm, "/vraag")
    dutch = (await anna.dm.next_bot_message()).text
    assert (
        dutch.startswith("Gebruik /vraag in de groepschat van je buurt")
        and "Bijvoorbeeld: /vraag hulp" in dutch
    )
    assert "/ask" not in dutch
    await piet.send(piet.dm, "/vraag")
    english = (await piet.dm.next_bot_message()).text
    assert english.startswith("Please use /ask in") and "For example: /ask help" in english
    await anna.send(anna.dm, "/onbekend")
    assert "Stuur /hulp" in (await anna.dm.next_bot_message()).text


async def test_menus_show_dutch_names_to_dutch_clients_and_english_to_the_rest(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    def names(scope: str, language: str = "") -> list[str]:
        return [c["command"] for c in sb.commands({"type": scope}, language)]

    assert names("all_private_chats", "nl") == ["start", "hulp", "nieuwegroep", "groepen", "mijn"]
    assert names("all_private_chats", "en") == ["start", "help", "newgroup", "groups", "mine"]
    assert names("all_private_chats") == names("all_private_chats", "en")
    assert "vraag" in names("all_group_chats", "nl") and "ask" in names("all_group_chats")
    assert "aanmelden" in names("all_chat_administrators", "nl")
    fallback = sb.commands({"type": "all_private_chats"})
    assert fallback[0]["description"] == "Welcome and what I can do"


async def test_a_residents_help_lists_what_works_where_they_ask(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna = people.anna
    joost = sb.add_user("Joost", language_code="nl")
    street = await neighbourhood(sb, anna, joost)
    assert await _listed(joost, joost.dm) == {"start", "hulp", "nieuwegroep", "groepen", "mijn"}
    assert await _listed(joost, street.chat, "/hulp") == {
        "start",
        "hulp",
        "nieuwegroep",
        "groepen",
        "vraag",
        "aanbod",
        "verzoeken",
    }
    group = await start_group(sb, street, joost, "Speeltuin")
    in_group = await _listed(joost, group)
    assert {"uitnodigen", "leden", "afsluiten", "vraag"} <= in_group
    assert "nieuwegroep" not in in_group


async def test_help_writes_usage_in_the_readers_language(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    await anna.send(street.chat, "/help")
    dutch = (await street.chat.next_bot_message()).text
    assert "/vraag [voor <naam>:] <wat je nodig hebt> — Vraag buren" in dutch
    assert "/nieuwegroep [-besloten] <naam>" in dutch
    assert "/uitsluiten <antwoord, @naam of nummer> [reden]" in dutch
    await piet.send(piet.dm, "/hulp")  # his own DM speaks his language
    english = (await piet.dm.next_bot_message()).text
    assert "/newgroup [-private] <title>" in english
    await piet.send(street.chat, "/hulp")  # the street speaks its neighbourhood's language
    assert "/vraag [voor <naam>:]" in (await street.chat.next_bot_message()).text


async def test_after_setup_the_chat_is_no_longer_offered_setup(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna = people.anna
    street = await neighbourhood(sb, anna)
    coordinator = await _listed(anna, street.chat, "/hulp")
    assert "aanmelden" not in coordinator
    assert {"weghalen", "instellingen", "uitsluiten", "toelaten"} <= coordinator
    await anna.send(street.chat, "/aanmelden")  # still answers, kindly
    assert "al aangemeld" in (await street.chat.next_bot_message()).text


async def test_a_coordinators_help_and_start_show_the_coordinator_commands(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna = people.anna
    await neighbourhood(sb, anna)
    coordinator = {
        "overzicht",
        "stil",
        "herinneren",
        "instellingen",
        "aankondigen",
        "uitsluiten",
        "toelaten",
        "verslag",
        "logboek",
    }
    await anna.send(anna.dm, "/hulp")
    listing = (await anna.dm.next_bot_message()).text
    listed = set(COMMAND.findall(listing))
    assert coordinator <= listed and not {"groep", "afsluiten"} & listed  # a facilitator's
    # Here a ban needs the neighbourhood's number, and there is nothing to reply to.
    assert "/uitsluiten <buurtnummer> <@naam of nummer> [reden] — Houd iemand" in listing
    await anna.start()
    welcome = (await anna.dm.next_bot_message()).text
    assert "Als coördinator kun je ook" in welcome
    assert set(COMMAND.findall(welcome)) == coordinator
    assert "/groep " not in welcome and "/afsluiten" not in welcome


async def test_a_facilitators_help_and_start_show_the_facilitator_commands(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    fleur = people.fleur
    await fleur.send(fleur.dm, "/hulp")
    listing = (await fleur.dm.next_bot_message()).text
    expected = (
        "/afsluiten <groepsnummer> <reden> — Sluit een groep af",
        "/groep <groepsnummer> — Feiten over één groep",
    )
    assert all(line in listing for line in expected), listing
    await fleur.start()
    welcome = (await fleur.dm.next_bot_message()).text
    assert "Als begeleider kun je ook" in welcome
    assert all(line in welcome for line in expected), welcome
    assert "/mijn" not in welcome  # the greeting adds only what is hers as a facilitator


async def test_a_resident_who_sends_the_facilitators_dissolve_is_sent_to_the_group(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet = people.piet
    await piet.send(piet.dm, "/afsluiten 12 klaar")
    assert (
        "works in a group that was started with /newgroup"
        in (await piet.dm.next_bot_message()).text
    )


async def test_start_fits_the_person_and_the_place(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, fleur = people.anna, people.fleur  # a coordinator and a facilitator
    joost = sb.add_user("Joost", language_code="nl")
    street = await neighbourhood(sb, anna, joost, fleur)
    for who in (joost, anna, fleur):
        await who.send(street.chat, "/start")
        hello = (await street.chat.next_bot_message()).text
        assert "Stuur /hulp" in hello and "/aanmelden" not in hello  # it is set up already
    await joost.start()
    welcome = (await joost.dm.next_bot_message()).text
    assert welcome.startswith("Hoi Joost!") and COMMAND.findall(welcome) == []
