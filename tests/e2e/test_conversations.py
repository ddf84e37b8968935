"""Conversations in Dutch and English: who reads a reply decides its language, and
nobody who writes to the bot is left in silence."""

from __future__ import annotations

from bot.context import BuurtApplication
from sandbox import Sandbox
from tests.e2e.conftest import People, eventually
from tests.e2e.groups_world import (
    ask_for_group,
    invite_link_of,
    neighbourhood,
    start_group,
    token_of,
)


async def test_shared_chats_speak_the_neighbourhood_language_and_dms_the_readers(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet  # Piet's Telegram speaks English
    street = await neighbourhood(sb, anna, piet)
    await piet.send(street.chat, "/groups")
    assert "groep" in (await street.chat.next_bot_message()).text.lower()
    await piet.send(street.chat, "/requests")
    assert "verzoek" in (await street.chat.next_bot_message()).text.lower()

    # The group Piet starts welcomes in Dutch, like its cards.
    group = await start_group(sb, street, piet, "Tuinclub")
    welcome = group.bot_messages[0].text
    assert "Welkom" in welcome or "welkom" in welcome, welcome
    await piet.send(group, "/ask een schep lenen")
    assert "Ik help" in str((await group.next_bot_message()).buttons)

    # His own DM stays English.
    await piet.send(piet.dm, "/help")
    assert "What you can do here" in (await piet.dm.next_bot_message()).text


async def test_a_plain_dm_gets_one_short_answer_with_the_next_steps(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    await anna.send(anna.dm, "Hallo, ik wil graag hulp met mijn boodschappen")
    reply = await anna.dm.next_bot_message()
    assert "Hoi Anna" in reply.text and "/vraag" in reply.text, reply.text
    labels = [b["text"] for row in reply.buttons for b in row]
    assert labels == ["Wat kan ik doen?", "Mijn groepen"]
    await anna.press(reply, "Wat kan ik doen?")
    assert "Wat je hier kunt doen" in (await anna.dm.next_bot_message()).text
    await anna.press(reply, "Mijn groepen")
    assert "niet in een groep" in (await anna.dm.next_bot_message()).text

    # Forged or foreign presses on the menu change nothing and say so.
    street = await neighbourhood(sb, anna, piet)
    for message, data in ((reply, "menu:xyz"), (reply, "menu:mine:1")):
        press = await anna.press_data(message, data)
        assert (await press.wait()).text == "Deze knop werkt niet meer.", data
    await anna.send(street.chat, "/help")
    in_street = await street.chat.next_bot_message()
    press = await anna.press_data(in_street, "menu:help")  # not on a menu, and not a DM
    assert (await press.wait()).text == "Deze knop werkt niet meer."
    await anna.dm.no_bot_message(timeout=0.5)

    # A greeting that asks for nothing gets the menu without the /ask hint.
    await piet.send(piet.dm, "Good morning")
    morning = await piet.dm.next_bot_message()
    assert "Hello Piet" in morning.text and "/ask" not in morning.text
    assert morning.buttons


async def test_a_start_link_with_an_unknown_payload_gets_the_greeting(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    await anna.start("iets-onbekends")
    greeting = (await anna.dm.next_bot_message()).text
    assert "Hoi Anna" in greeting and "groepschat" not in greeting.split("\n")[0]
    assert "nieuwe groep" not in greeting

    # A group's own startgroup link opened as a DM still explains what it is for.
    street = await neighbourhood(sb, anna, piet)
    token = token_of(await ask_for_group(piet, street.chat, "Buurtfeest"))
    await piet.start(token)
    assert "/newgroup" in (await piet.dm.next_bot_message()).text


async def test_settings_read_the_way_people_type(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    await anna.send(street.chat, "/settings join_question=In welke straat woon je?")
    shown = (await street.chat.next_bot_message()).text
    assert "join_question=In welke straat woon je?" in shown
    number = shown.split("(#")[1].split(")")[0]
    assert "/instellingen join_question=" in shown and f" {number} join_question" not in shown

    await anna.start()
    await anna.dm.next_bot_message()
    await anna.send(anna.dm, f"/settings {number} join_question=Woon je hier? quiet_hours=uit")
    in_dm = (await anna.dm.next_bot_message()).text
    assert "join_question=Woon je hier?\n" in in_dm and "quiet_hours=uit" in in_dm
    assert f"/instellingen {number} join_question=" in in_dm
    # A typo in a key names that key, and changes nothing.
    await anna.send(anna.dm, f"/settings {number} quiet_hour=22:00-08:00")
    assert "quiet_hour" in (await anna.dm.next_bot_message()).text
    await anna.send(anna.dm, f"/settings {number}")
    assert "quiet_hours=uit" in (await anna.dm.next_bot_message()).text


async def test_a_group_ends_with_words_that_mean_something(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    group = await start_group(sb, street, piet, "Boodschappen")
    await anna.request_join(invite_link_of(sb, group))
    await eventually(lambda: _in(group, anna))
    cards = []
    for text in ("melk halen", "brood halen", "post wegbrengen"):
        await piet.send(group, f"/ask {text}")
        cards.append(await group.next_bot_message())
    done, claimed, still_open = cards
    await anna.press(done, "Ik help")
    await eventually(lambda: _shows(done, "Anna"))
    await piet.press(done, "Klaar")
    await eventually(lambda: _shows(done, "Bedankt"))
    await anna.press(claimed, "Ik help")
    await eventually(lambda: _shows(claimed, "Anna"))

    await piet.send(group, "/dissolve")
    confirmation = await group.next_bot_message()
    await piet.press(confirmation, "Ja, sluit af")
    summary = (await group.next_bot_message()).text
    assert "vandaag begonnen" in summary and "0 dagen" not in summary, summary
    assert "3 verzoeken geplaatst" in summary and "1 verzoek voor elkaar" in summary
    assert "2 verzoeken waren nog open" in summary and "Anna" in summary
    await eventually(lambda: _shows(claimed, "de groep is afgesloten"))
    await eventually(lambda: _shows(still_open, "de groep is afgesloten"))
    assert claimed.button_texts == still_open.button_texts == []
    # The question it answered does nothing any more, so its buttons went before the bot.
    await eventually(lambda: _shows(confirmation, "afgesloten"))
    assert confirmation.button_texts == []
    await piet.start()
    await piet.dm.next_bot_message()
    await piet.send(piet.dm, "/mine")
    mine = (await piet.dm.next_bot_message()).text
    assert "brood" not in mine and "post wegbrengen" not in mine, mine


async def _in(chat, user) -> bool:
    return chat.status(user) == "member"


async def _shows(message, text: str) -> bool:
    return text in message.text


async def test_a_decided_join_request_leaves_no_buttons_and_says_who_decided(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    kees = sb.add_user("Kees", language_code="nl")
    street = await neighbourhood(sb, anna, piet, kees)
    group = await start_group(sb, street, piet, "Boodschappen")
    await anna.send(street.chat, f"/settings coordinators=+{kees.id}")
    await street.chat.next_bot_message()
    await anna.send(street.chat, "/settings join_question=Welke bakker zit op de hoek?")
    await street.chat.next_bot_message()
    for coordinator in (anna, kees):
        await coordinator.start()
        await coordinator.dm.next_bot_message()
    newcomer = sb.add_user("Nieuw", language_code="en")
    await newcomer.request_join(invite_link_of(sb, group))
    assert "bakker" in (await newcomer.dm.next_bot_message()).text
    await newcomer.send(newcomer.dm, "Geen idee")
    await newcomer.dm.next_bot_message()  # thank you, the coordinators decide
    to_anna, to_kees = await anna.dm.next_bot_message(), await kees.dm.next_bot_message()
    assert to_anna.button_texts == to_kees.button_texts == ["Toelaten", "Afwijzen"]

    await kees.press(to_kees, "Afwijzen")
    await eventually(lambda: _shows(to_anna, "Kees heeft Nieuw niet toegelaten"))
    assert to_anna.button_texts == [] and to_kees.button_texts == []
    # Asked a minute ago: Telegram still lets the bot tell them, kindly.
    told = (await newcomer.dm.next_bot_message()).text
    assert "cannot join" in told and "Boodschappen" in told
