"""Bad input stays harmless: numbers past any id, presses on the wrong message, long lists,
and texts that show nothing."""

from __future__ import annotations

import functools
from datetime import timedelta

from sqlalchemy import select, update

from bot.context import BuurtApplication
from bot.outbox import MESSAGE_MAX, telegram_length
from models import AuditEntry, Group, GroupStatus, Neighbourhood, Request, RequestState
from sandbox import Sandbox, SentMessage
from tests.conftest import utcnow
from tests.e2e.conftest import People, db, eventually
from tests.e2e.groups_world import invite_link_of, neighbourhood, start_group

#: Past the 32 bits of our own ids (PostgreSQL's integer); the second fits Telegram's 64.
BEYOND = ("2147483648", "99999999999")
NO_LONGER_WORKS = ("This button no longer works.", "Deze knop werkt niet meer.")
NOT_FOUND = (
    "This button no longer works.",
    "This group has already ended.",
    "This request has already been handled.",
)


async def test_numbers_past_our_ids_are_simply_not_found(
    sb: Sandbox, people: People, bot_on_each_database: BuurtApplication
):
    anna, piet, fleur = people.anna, people.piet, people.fleur
    fleur.language_code = "en"  # read the English answers
    neighbours = [sb.add_user(f"Buur{n}", language_code="en") for n in range(4)]
    street = await neighbourhood(sb, anna, piet, *neighbours, language="en")
    await fleur.start()
    greeting = await fleur.dm.next_bot_message()
    await anna.send(street.chat, "/ask boodschappen")
    card = await street.chat.next_bot_message()
    async with db(bot_on_each_database) as session:
        home = await session.scalar(select(Neighbourhood.id))
    for big in BEYOND:
        presses = [
            await neighbours[n % len(neighbours)].press_data(card, data)
            for n, data in enumerate(
                (
                    f"rq:c:{big}",
                    f"rq:x:{big}",
                    f"rl:{big}",
                    f"jr:a:{big}",
                    f"jq:a:{big}",
                    f"lk:{big}",
                    f"ds:ok:{big}",
                    f"nd:go:{big}",
                    f"nd:ds:{big}",
                    f"ng:{big}:{home}",
                )
            )
        ]
        presses += [await fleur.press_data(greeting, f"{p}:ok:{big}") for p in ("fx", "an")]
        for press in presses:
            assert str((await press.wait()).text) in NOT_FOUND, press.data

        await piet.start(f"join_{big}")
        assert "cannot join this group" in (await piet.dm.next_bot_message()).text
        await anna.send(street.chat, f"/cancel {big} dubbel")
        reply = (await street.chat.next_bot_message()).text
        assert f"There is no open request #{big} in this chat." == reply  # the street is en
        for command, answer in (
            (f"/group {big}", f"There is no group #{big}."),
            (f"/nudge {big}", "Please give the number of an active group"),
            (f"/settings {big}", "Please give the number of your neighbourhood"),
            (f"/announce {big} Hallo allemaal", "Please give the neighbourhood's number"),
            (f"/ban {big} {piet.id}", "Reply to a message of the person"),
            (f"/dissolve {big} klaar", "Please give a group number and a reason"),
        ):
            await fleur.send(fleur.dm, command)
            assert answer in (await fleur.dm.next_bot_message()).text, command
    await fleur.send(fleur.dm, f"/ban {home} {'9' * 22}")  # past 64 bits: nobody at all
    assert "Reply to a message of the person" in (await fleur.dm.next_bot_message()).text
    assert card.edits == []
    async with db(bot_on_each_database) as session:
        assert list(await session.scalars(select(Request.state))) == [RequestState.OPEN]
    assert [c.description for c in sb.calls if c.ok is False] == []


async def _all_requests(app: BuurtApplication) -> list[Request]:
    async with db(app) as session:
        return list(await session.scalars(select(Request).order_by(Request.id)))


async def _request(app: BuurtApplication) -> Request:
    async with db(app) as session:
        (request,) = await session.scalars(select(Request))
        return request


async def _text_is(message: SentMessage, fragment: str) -> bool:
    return fragment in message.text


async def test_a_card_button_pressed_on_another_message_changes_nothing(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    group = await start_group(sb, street, piet, "Boodschappen")
    await group.join(anna)
    await piet.send(group, "/ask melk halen")
    card = await group.next_bot_message()
    await piet.send(group, "/dissolve")
    question = await group.next_bot_message()  # the owner's confirmation, with its buttons
    number = (await _request(bot)).id
    for user, data in ((piet, f"rq:x:{number}"), (anna, f"rq:c:{number}")):
        press = await user.press_data(question, data)
        assert (await press.wait()).text in NO_LONGER_WORKS, data
    assert question.edits == [] and card.edits == []
    assert (await _request(bot)).state == RequestState.OPEN


async def test_a_card_is_known_by_its_buttons_until_its_message_id_is_recorded(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    """The card is posted after its request is stored, and its message id recorded once
    Telegram has taken it: a press in between is on a card that shows its own buttons."""
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    group = await start_group(sb, street, piet, "Boodschappen")
    await group.join(anna)
    await piet.send(group, "/ask melk halen")
    card = await group.next_bot_message()
    await piet.send(group, "/dissolve")
    question = await group.next_bot_message()
    async with db(bot) as session:  # as it is between the card's posting and its record
        await session.execute(update(Request).values(card_message_id=None))
        await session.commit()
    number = (await _request(bot)).id
    forged = await anna.press_data(question, f"rq:c:{number}")
    assert (await forged.wait()).text in NO_LONGER_WORKS
    assert question.edits == []
    await anna.press(card, "Ik help")
    await eventually(lambda: _text_is(card, "Anna"))
    request = await _request(bot)
    assert request.state == RequestState.CLAIMED and request.card_message_id == card.message_id


#: Telegram's most buttons under one message.
MAX_BUTTONS = 100


def _fits(message: SentMessage) -> bool:
    buttons = sum(len(row) for row in message.buttons)
    return telegram_length(message.text) <= MESSAGE_MAX and buttons <= MAX_BUTTONS


async def test_five_hundred_groups_are_listed_a_page_at_a_time(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    neighbours = [sb.add_user(f"Buur{n}", language_code="en") for n in range(3)]
    street = await neighbourhood(sb, anna, piet, *neighbours, language="en")
    await start_group(sb, street, piet, "Aan de Kerklaan: de moestuin")  # first by title
    async with db(bot) as session:
        home = await session.scalar(select(Neighbourhood.id))
        now = utcnow()
        session.add_all(
            Group(
                neighbourhood_id=home,
                owner_id=piet.id,
                title=f"Groep {n:03} van de Van Oldenbarneveltlaan-Noord en verder"[:64],
                status=GroupStatus.ACTIVE,
                chat_id=-5_000_000 - n,
                created_at=now,
                linked_at=now,
                expires_at=now + timedelta(hours=48),
            )
            for n in range(499)
        )
        await session.commit()
    await anna.send(street.chat, "/ask een ladder")
    card = await street.chat.next_bot_message()
    await piet.send(street.chat, "/groups")
    listing = await street.chat.next_bot_message()
    assert _fits(listing) and "(page 1 of 50)" in listing.text
    assert "Aan de Kerklaan: de moestuin" in listing.text and "Groep 008 " in listing.text
    seen = [listing.text]
    for turn, neighbour in enumerate(neighbours, start=2):  # a few pages, and back
        await neighbour.press(listing, "Next »")
        await eventually(functools.partial(_text_is, listing, f"(page {turn} of 50)"))
        assert _fits(listing) and listing.text not in seen
        seen.append(listing.text)
    await piet.press(listing, "« Previous")
    await eventually(lambda: _text_is(listing, "(page 3 of 50)"))
    assert listing.text == seen[2]
    # Each press acts on the message it was made on, and only if that shows it.
    for message, data in ((card, "gl:1"), (listing, "gl:40"), (listing, "gl:9999999999")):
        press = await anna.press_data(message, data)
        assert (await press.wait()).text in NO_LONGER_WORKS, data
    assert card.edits == [] and listing.text == seen[2]
    async with db(bot) as session:  # each group on the page has its button to ask to join
        first = await session.scalar(select(Group).where(Group.title.startswith("Groep 019 ")))
    assert first is not None and listing.buttons[0][0]["text"] == first.title
    assert listing.buttons[0][0]["url"].endswith(f"?start=join_{first.id}")
    assert [c.description for c in sb.calls if c.ok is False] == []


#: Bidi overrides, embeddings and isolates: a name with them can show as something else.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


async def test_texts_that_show_nothing_are_empty(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet, fleur = people.anna, people.piet, people.fleur
    fleur.language_code = "en"
    street = await neighbourhood(sb, anna, piet, language="en")
    await start_group(sb, street, anna, "Boodschappen")
    await fleur.start()
    await fleur.dm.next_bot_message()
    async with db(bot) as session:
        home = await session.scalar(select(Neighbourhood.id))
        group_id = await session.scalar(select(Group.id))
    for text, answer in (
        ("/ask \u200b\u3164", "Tell me what you need"),
        ("/ask for \u2800: \u200d\u2060", "Tell me what you need"),
        ("/offer \u115f\u1160 \uffa0\u00a0\u3000", "Tell me what you offer"),
        ("/newgroup \u3164\ufeff", "Please give your group a name"),
        ("/newgroup -private \u200b\u202e\u2800", "Please give your group a name"),
    ):
        await piet.send(street.chat, text)
        assert answer in (await street.chat.next_bot_message()).text, text
    # Emoji (joined by U+200D), right-to-left script and a blank name for whom it is asked.
    for text, shown in (
        ("/ask 👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
        ("/offer مرحبا \u200fשלום", "مرحبا \u200fשלום"),
        ("/ask for \u3164: boodschappen", "boodschappen"),
    ):
        await piet.send(street.chat, text)
        card = await street.chat.next_bot_message()
        assert card.text.split("\n")[1] == shown and "Voor:" not in card.text, text
    first = (await _all_requests(bot))[0].id
    await anna.send(street.chat, f"/cancel {first} \u200b\u2060")
    assert (
        "Please give the request's number and a reason"
        in (await street.chat.next_bot_message()).text
    )
    for command, answer in (
        (f"/dissolve {group_id} \u3164 \u2800", "Please give a group number and a reason"),
        (f"/announce {home} \u2800\u200b", "Please give the neighbourhood's number and the text"),
        (f'/settings {home} join_question="\u3164\u200b"', "I could not use join_question"),
        (f"/ban {home} {piet.id} \u200b\u3164", "Piet is banned"),  # no reason is no reason
    ):
        await fleur.send(fleur.dm, command)
        assert answer in (await fleur.dm.next_bot_message()).text, command
    assert [r.state for r in await _all_requests(bot)] == [RequestState.OPEN] * 3
    async with db(bot) as session:
        assert await session.scalar(select(Neighbourhood.join_question)) is None
        assert len(list(await session.scalars(select(Group.id)))) == 1
        assert (await session.scalar(select(Group.status))) == GroupStatus.ACTIVE
        (ban,) = await session.scalars(select(AuditEntry).where(AuditEntry.action == "ban"))
        assert ban.detail is None


async def test_an_answer_that_shows_nothing_is_asked_for_again(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    group = await start_group(sb, street, piet, "Boodschappen")
    await anna.start()
    await anna.dm.next_bot_message()
    await anna.send(street.chat, '/settings join_question="Welke bakker zit op de hoek?"')
    await street.chat.next_bot_message()
    newcomer = sb.add_user("Nieuw", language_code="en")
    await newcomer.request_join(invite_link_of(sb, group))
    assert "Welke bakker" in (await newcomer.dm.next_bot_message()).text
    await newcomer.send(newcomer.dm, "\u200b\u3164 \u2800")
    assert "Please write your answer here" in (await newcomer.dm.next_bot_message()).text
    await anna.dm.no_bot_message()  # the coordinator is not asked to judge nothing
    await newcomer.send(newcomer.dm, "Bakker Jansen 🥖")
    assert "coordinators" in (await newcomer.dm.next_bot_message()).text
    assert "Bakker Jansen 🥖" in (await anna.dm.next_bot_message()).text


async def test_names_are_shown_without_bidi_controls(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    """A name that turns the text after it around could make a message say something else."""
    anna, piet = people.anna, people.piet
    joost = sb.add_user("Joost\u202e\u2066gnikool\u2069", language_code="en")
    street = await neighbourhood(sb, anna, piet, joost)
    await joost.start()
    greeting = await joost.dm.next_bot_message()
    await anna.start()
    await anna.dm.next_bot_message()
    await joost.send(street.chat, "/ask een ladder")
    card = await street.chat.next_bot_message()
    await anna.send(street.chat, "/ask boodschappen")
    claimed = await street.chat.next_bot_message()
    await joost.press(claimed, "Ik help")
    told = await anna.dm.next_bot_message()  # "Good news: Joost will help"
    group = await start_group(sb, street, piet, "Tuin")
    await group.join(joost)
    await piet.send(group, "/members")
    members = await group.next_bot_message()
    shown = (greeting, card, claimed, told, members)
    assert all("Joostgnikool" in message.text for message in shown), shown
    for chat in sb.chats.values():
        for message in chat.bot_messages:
            versions = [message.text, *(version.text for version in message.history)]
            assert not BIDI_CONTROLS & set("".join(str(v) for v in versions)), message
