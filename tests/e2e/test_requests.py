"""Help requests end to end: ask, offer, claim, done, release, cancel, list."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from bot.context import BuurtApplication
from models import AuditEntry, Request, RequestState
from sandbox import Sandbox, SentMessage
from tests.e2e.conftest import People, db, eventually, make_config, running
from tests.e2e.groups_world import invite_link_of, neighbourhood, start_group


async def _rows(app: BuurtApplication) -> list[Request]:
    async with db(app) as session:
        return list(await session.scalars(select(Request).order_by(Request.id)))


async def _text_is(message: SentMessage, fragment: str) -> bool:
    return fragment in message.text


async def test_ask_lifecycle(sb: Sandbox, people: People, bot: BuurtApplication):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    await anna.start()
    await anna.dm.next_bot_message()
    await anna.send(street.chat, "/ask boodschappen <3 & melk 🥛")
    card = await street.chat.next_bot_message()
    assert "boodschappen <3 & melk 🥛" in card.text and "Anna" in card.text
    assert card.button_texts == ["Ik help", "Annuleren"]  # the street speaks Dutch

    answer = await piet.press(card, "Ik help")
    assert (await answer.wait()).text  # Piet gets a short thank-you in English
    await eventually(lambda: _text_is(card, "Piet"))
    assert card.button_texts == ["Klaar", "Loslaten", "Annuleren"]
    told = await anna.dm.next_bot_message()
    assert "Piet" in told.text and "boodschappen" in told.text

    own = await anna.press(card, "Loslaten")
    assert "Piet" in str((await own.wait()).text)  # only the helper releases
    await piet.press(card, "Loslaten")
    await eventually(lambda: _text_is(card, "wie kan helpen?"))
    await piet.press(card, "Ik help")
    await eventually(lambda: _text_is(card, "Piet"))
    await anna.press(card, "Klaar")  # the asker may say it is done too
    await eventually(lambda: _text_is(card, "Bedankt"))
    assert card.button_texts == []
    (row,) = await _rows(bot)
    assert row.state == RequestState.DONE and row.claimer_id == piet.id
    assert row.card_message_id == card.message_id


async def test_an_offer_is_taken_as_an_offer(sb: Sandbox, people: People, bot: BuurtApplication):
    anna, piet = people.anna, people.piet
    jan = sb.add_user("Jan", language_code="nl", username="jan")
    street = await neighbourhood(sb, anna, piet, jan)
    await anna.start()
    await anna.dm.next_bot_message()
    await anna.send(street.chat, "/offer ik kan een ladder uitlenen")
    card = await street.chat.next_bot_message()
    assert "Open: wie wil dit graag?" in card.text
    assert card.button_texts == ["Dat wil ik graag", "Annuleren"]
    own = await anna.press(card, "Dat wil ik graag")
    assert (await own.wait()).text == "Dit is je eigen aanbod."

    taken = await jan.press(card, "Dat wil ik graag")
    assert (await taken.wait()).text == "Fijn! Iedereen ziet dat je dit graag wilt."
    await eventually(lambda: _text_is(card, "Jan wil dit graag."))
    assert card.button_texts == ["Klaar", "Hoeft niet meer", "Annuleren"]
    told = await anna.dm.next_bot_message()  # the offerer learns who would like it, and how
    assert told.text == (
        "Goed nieuws: Jan (@jan) wil graag je aanbod “ik kan een ladder uitlenen”. Tik op de "
        "naam om een bericht te sturen. Dan kunnen jullie samen iets afspreken."
    )
    assert [(e["type"], e["user"]["id"]) for e in told.entities] == [("text_mention", jan.id)]

    original = card.history[0].reply_markup
    assert original is not None
    late = await piet.press_data(card, original["inline_keyboard"][0][0]["callback_data"])
    assert (await late.wait()).text == "Dit aanbod gaat al naar Jan."  # the street speaks Dutch
    stranger = await piet.press(card, "Klaar")
    assert (await stranger.wait()).text == "Alleen Anna of Jan kan dit op klaar zetten."
    released = await jan.press(card, "Hoeft niet meer")
    assert (await released.wait()).text == "Goed: nu kan iemand anders het krijgen."
    await eventually(lambda: _text_is(card, "wie wil dit graag?"))

    await jan.press(card, "Dat wil ik graag")
    await eventually(lambda: _text_is(card, "Jan wil dit graag."))
    await anna.dm.next_bot_message()
    await anna.press(card, "Klaar")
    await eventually(lambda: _text_is(card, "Klaar: Jan heeft het gekregen. Bedankt, Anna! 💚"))
    assert "Gedaan door" not in card.text and card.button_texts == []
    stale = await jan.press_data(card, original["inline_keyboard"][0][0]["callback_data"])
    assert (await stale.wait()).text == "Dit aanbod gaat al naar iemand, of het is klaar."


async def test_a_cancelled_offer_says_it_is_off(sb: Sandbox, people: People, bot: BuurtApplication):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    await piet.send(street.chat, "/offer I can lend a ladder")
    card = await street.chat.next_bot_message()
    forbidden = await anna.press(card, "Annuleren")
    assert "alleen" in str((await forbidden.wait()).text).lower()
    await piet.press(card, "Annuleren")
    await eventually(lambda: _text_is(card, "Dit aanbod gaat niet door."))
    assert (await _rows(bot))[0].state == RequestState.CANCELLED


async def test_a_stale_press_on_an_ask_says_what_happened(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    await anna.send(street.chat, "/ask boodschappen")
    card = await street.chat.next_bot_message()
    await anna.press(card, "Annuleren")
    await eventually(lambda: _text_is(card, "Geannuleerd"))
    original = card.history[0].reply_markup
    assert original is not None
    stale = await piet.press_data(card, original["inline_keyboard"][0][0]["callback_data"])
    assert (await stale.wait()).text == "Met dit verzoek is al iemand bezig, of het is klaar."
    again = await anna.press_data(card, original["inline_keyboard"][0][1]["callback_data"])
    assert (await again.wait()).text == "Met dit verzoek is al iemand bezig, of het is klaar."


async def test_asking_on_behalf_with_a_due_date(sb: Sandbox, people: People, bot: BuurtApplication):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    await anna.send(street.chat, "/ask voor mevrouw De Vries: boodschappen morgen")
    card = await street.chat.next_bot_message()
    assert "Voor: mevrouw De Vries" in card.text and "Door: Anna" in card.text
    tomorrow = datetime.now(ZoneInfo("Europe/Amsterdam")).date() + timedelta(days=1)
    (row,) = await _rows(bot)
    assert row.on_behalf_of == "mevrouw De Vries" and row.due == tomorrow
    assert row.text == "boodschappen morgen"


async def test_due_dates_in_english_too(sb: Sandbox, people: People, bot: BuurtApplication):
    street = await neighbourhood(sb, people.anna, people.piet)
    await people.piet.send(street.chat, "/ask help with the garden tomorrow")
    card = await street.chat.next_bot_message()
    assert "Wanneer:" in card.text
    (row,) = await _rows(bot)
    assert row.due == datetime.now(ZoneInfo("Europe/Amsterdam")).date() + timedelta(days=1)
    await people.piet.send(street.chat, "/ask help with the garden on 1-1-2001")
    card = await street.chat.next_bot_message()
    assert (await _rows(bot))[1].due is None  # a past date is no date
    assert "Wanneer:" not in card.text
    assert "1 januari 2001 is al voorbij" in (await street.chat.next_bot_message()).text


async def test_a_day_that_just_passed_is_left_off_and_the_asker_told(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    yesterday = today - timedelta(days=1)
    if yesterday.year != today.year:
        pytest.skip("on 1 January no day of this year has passed yet")
    street = await neighbourhood(sb, people.anna, people.piet)
    await people.anna.send(street.chat, f"/ask ladder lenen {yesterday.day}-{yesterday.month}")
    card = await street.chat.next_bot_message()
    assert "Wanneer:" not in card.text
    said = format_date(yesterday, "EEEE d MMMM", locale="nl")
    assert (await street.chat.next_bot_message()).text == (
        f"Ik heb de datum weggelaten: {said} is al voorbij. Wil je er toch een datum bij? "
        "Druk onder het verzoek op Annuleren. Vraag het dan opnieuw met het jaar erbij, "
        f"bijvoorbeeld: {yesterday.day}-{yesterday.month}-{today.year + 1}"
    )
    assert (await _rows(bot))[0].due is None

    next_year = today.replace(year=today.year + 1, month=3, day=15)
    await people.anna.send(
        street.chat, f"/ask ladder lenen {next_year.day}-{next_year.month}-{next_year.year}"
    )
    card = await street.chat.next_bot_message()  # a date in another year shows its year
    assert f"Wanneer: {format_date(next_year, 'EEEE d MMMM y', locale='nl')}" in card.text
    await street.chat.no_bot_message()


async def test_fifty_neighbours_press_at_once(
    sb: Sandbox, people: People, bot: BuurtApplication, caplog: pytest.LogCaptureFixture
):
    """One helper and 49 kind refusals. The processor takes one chat's updates in turn;
    tests/models/test_requests.py races the claims inside the database itself."""
    caplog.set_level(logging.WARNING)
    neighbours = [sb.add_user(f"Buur{n}", language_code="en") for n in range(50)]
    street = await neighbourhood(sb, people.anna, *neighbours, language="en")
    await people.anna.send(street.chat, "/ask een ladder sjouwen")
    card = await street.chat.next_bot_message()
    presses = await asyncio.gather(*(n.press(card, "I'll do it") for n in neighbours))
    answers = [str((await press.wait()).text) for press in presses]
    won = [p.user for p, a in zip(presses, answers, strict=True) if a.startswith("Thank you")]
    assert len(won) == 1, answers
    assert sum("already on it" in a for a in answers) == 49, answers
    await eventually(lambda: _text_is(card, f"{won[0].first_name} is on it"))
    (row,) = await _rows(bot)
    assert row.state == RequestState.CLAIMED and row.claimer_id == won[0].id
    # No "database is locked", no deadlock: nothing reached the error handler or the log.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_bad_requests_store_nothing(sb: Sandbox, people: People, bot: BuurtApplication):
    piet = people.piet
    street = await neighbourhood(sb, people.anna, piet, language="en")
    for text, expected in [
        ("/ask", "for example"),
        ("/ask    ", "for example"),
        ("/ask for Mrs X:", "for example"),
        ("/ask " + "x" * 501, "500"),
        ("/offer", "offer"),
    ]:
        await piet.send(street.chat, text)
        assert expected in (await street.chat.next_bot_message()).text, text
    await piet.send(piet.dm, "/ask iets")
    dm = (await piet.dm.next_bot_message()).text
    assert "neighbourhood's chat" in dm and "For example" in dm
    group = await start_group(sb, street, piet, "Tijdelijk")
    await piet.send(group, "/dissolve")
    await piet.press(await group.next_bot_message(), "Yes, end it")
    await group.next_bot_message()
    await sb.wait_for_call("leaveChat")
    assert await _rows(bot) == []


async def test_open_request_limit(sb: Sandbox, people: People, bot: BuurtApplication):
    street = await neighbourhood(sb, people.anna, people.piet, language="en")
    for n in range(10):
        await people.piet.send(street.chat, f"/ask klusje {n}")
        await street.chat.next_bot_message()
    await people.piet.send(street.chat, "/ask nog een")
    assert "10 open requests" in (await street.chat.next_bot_message()).text
    async with db(bot) as session:
        assert await session.scalar(select(func.count()).select_from(Request)) == 10


async def test_a_limit_of_one_is_said_in_the_singular(sb: Sandbox, people: People, tmp_path: Path):
    config = make_config(sb, tmp_path, [])
    config = config.model_copy(
        update={
            "requests": config.requests.model_copy(update={"max_open_per_resident": 1}),
            "groups": config.groups.model_copy(update={"max_per_resident": 1}),
        }
    )
    async with running(sb, config):
        anna, street = people.anna, (await neighbourhood(sb, people.anna, people.piet)).chat
        for command in ("/ask een", "/ask twee", "/newgroup Een", "/newgroup Twee"):
            await anna.send(street, command)
            await street.next_bot_message()
        one_request, one_group = street.bot_messages[-3], street.bot_messages[-1]
    assert one_request.text.startswith("Je hebt hier al 1 open verzoek. Zet het op klaar")
    assert one_group.text.startswith("Je hebt al 1 groep lopen, meer kan ik niet bijhouden.")


async def test_forged_and_foreign_buttons(sb: Sandbox, people: People, bot: BuurtApplication):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet, language="en")
    other = await neighbourhood(sb, anna, piet, title="Dorpsstraat")
    await anna.send(street.chat, "/ask iets")
    card = await street.chat.next_bot_message()
    await anna.send(other.chat, "/ask iets anders")
    foreign = await other.chat.next_bot_message()
    (mine, theirs) = await _rows(bot)
    forged = (f"rq:c:{theirs.id}", "rq:c:99999", "rq:zz:1", "rq:c:-1", "rq:c", "rl:x")
    # An id past 64 bits; a page turn on a card, which would have made it a listing.
    for data in (*forged, "rq:c:9223372036854775808", "rl:0"):
        press = await piet.press_data(card, data)
        assert "no longer works" in str((await press.wait()).text), data
    assert [r.state for r in await _rows(bot)] == [RequestState.OPEN, RequestState.OPEN]
    assert card.edits == []
    del foreign, mine


async def test_requests_list_is_paginated(sb: Sandbox, people: People, bot: BuurtApplication):
    neighbours = [sb.add_user(f"Buur{n}", language_code="en") for n in range(3)]
    street = await neighbourhood(sb, people.anna, people.piet, *neighbours, language="en")
    for n in range(12):
        await neighbours[n % 3].send(street.chat, f"/ask klus nummer {n}")
        await street.chat.next_bot_message()
    await people.piet.send(street.chat, "/requests")
    listing = await street.chat.next_bot_message()
    assert "page 1 of 2" in listing.text and "klus nummer 11" in listing.text
    assert "klus nummer 1 " not in listing.text + " "
    await people.piet.press(listing, "Older »")
    await eventually(lambda: _text_is(listing, "page 2 of 2"))
    assert "klus nummer 0" in listing.text


async def test_dissolve_summary_counts_requests_and_thanks_helpers(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    group = await start_group(sb, street, piet, "Boodschappen")
    await anna.request_join(invite_link_of(sb, group))
    await eventually(lambda: _member(group, anna))
    await piet.send(group, "/ask melk halen")
    card = await group.next_bot_message()
    await anna.press(card, "Ik help")  # cards speak the neighbourhood's language
    await eventually(lambda: _text_is(card, "Anna"))
    await piet.press(card, "Klaar")
    await eventually(lambda: _text_is(card, "Bedankt"))
    await piet.send(group, "/dissolve")
    await piet.press(await group.next_bot_message(), "Ja, sluit af")  # the group speaks Dutch
    summary = (await group.next_bot_message()).text
    assert "1 verzoek" in summary and "Anna" in summary


async def _member(chat, user) -> bool:
    return chat.status(user) == "member"


async def test_mine_shows_asks_claims_and_thanks(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    await anna.send(street.chat, "/ask eerste")
    first = await street.chat.next_bot_message()
    await anna.send(street.chat, "/ask tweede")
    second = await street.chat.next_bot_message()
    await piet.press(first, "Ik help")
    await eventually(lambda: _text_is(first, "Piet"))
    await anna.press(first, "Klaar")
    await piet.press(second, "Ik help")
    await eventually(lambda: _text_is(second, "Piet"))
    await piet.send(piet.dm, "/mine")
    text = (await piet.dm.next_bot_message()).text
    assert "tweede" in text and "helped with 1 request" in text
    await anna.send(anna.dm, "/mine")
    assert "tweede" in (await anna.dm.next_bot_message()).text


async def test_mine_tells_giving_an_offer_from_taking_one(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    await anna.send(street.chat, "/offer soep")
    soup = await street.chat.next_bot_message()
    await piet.press(soup, "Dat wil ik graag")
    await anna.send(street.chat, "/offer een ladder")
    card = await street.chat.next_bot_message()
    await piet.press(card, "Dat wil ik graag")
    await eventually(lambda: _text_is(card, "Piet"))
    await anna.press(card, "Klaar")
    await eventually(lambda: _text_is(card, "Bedankt"))
    await piet.send(piet.dm, "/mine")
    taker = (await piet.dm.next_bot_message()).text
    assert "Offers you would like" in taker and "soep" in taker
    assert "helping" not in taker and "helped" not in taker
    await anna.send(anna.dm, "/mine")
    assert "Deze maand hielp je met 1 verzoek." in (await anna.dm.next_bot_message()).text


async def test_a_coordinator_cancels_with_a_reason(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    await piet.send(street.chat, "/ask dubbel <b>gepost</b>")
    card = await street.chat.next_bot_message()
    (row,) = await _rows(bot)
    await piet.send(street.chat, f"/cancel {row.id} mine anyway")
    assert "coördinator" in (await street.chat.next_bot_message()).text  # Piet is no admin
    await anna.send(street.chat, "/cancel")
    assert "/weghalen 12" in (await street.chat.next_bot_message()).text
    await anna.send(street.chat, "/cancel 999 weg")
    assert "#999" in (await street.chat.next_bot_message()).text
    await anna.send(street.chat, f"/cancel #{row.id} staat er <twee> keer")
    assert f"#{row.id}" in (await street.chat.next_bot_message()).text
    await eventually(lambda: _text_is(card, "Geannuleerd: staat er <twee> keer"))
    assert card.button_texts == []
    async with db(bot) as session:
        assert "cancel request" in set(await session.scalars(select(AuditEntry.action)))


async def test_a_flood_of_commands_is_slowed_down(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet, language="en")
    for n in range(25):
        await people.piet.send(street.chat, f"/ask klus {n}")
    await people.piet.send(street.chat, "/requests")
    texts = []
    while True:
        try:
            texts.append((await street.chat.next_bot_message(timeout=5)).text)
        except AssertionError:
            break
    assert sum("Slow down" in t for t in texts) == 1  # the group limit paces the 21st reply
    assert len(await _rows(bot)) == 10  # the open-request limit, then the brake; nothing more


async def test_a_braked_person_costs_no_question_to_telegram(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    """/help in a group asks Telegram whether the sender is an admin, but not once the
    brake is on: a flood of ignored commands must not eat the bot's budget of calls."""
    street = await neighbourhood(sb, people.anna, people.piet, language="en")
    piet = people.piet

    def asked_about_piet() -> int:
        return sum(1 for c in sb.calls_to("getChatMember") if c.params["user_id"] == piet.id)

    for _ in range(20):
        await piet.send(street.chat, "/help")
    for _ in range(20):
        await street.chat.next_bot_message(timeout=10)
    assert asked_about_piet() == 20
    for _ in range(5):
        await piet.send(street.chat, "/help")
    assert "Slow down" in (await street.chat.next_bot_message(timeout=10)).text
    await people.anna.send(street.chat, "/requests")  # handled after Piet's five
    await street.chat.next_bot_message(timeout=10)
    assert asked_about_piet() == 20
