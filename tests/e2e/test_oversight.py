"""Facilitators and coordinators: who may see and do what, and that others learn nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy import select, update

from bot.context import BuurtApplication
from bot.scheduler import run_round
from models import (
    AuditEntry,
    Group,
    GroupStatus,
    Neighbourhood,
    Nudge,
    NudgeStatus,
    Request,
    neighbourhoods,
)
from sandbox import Sandbox, User
from tests.conftest import utcnow
from tests.e2e.conftest import People, db, eventually
from tests.e2e.groups_world import neighbourhood, start_group
from transports.telegram.app import services_of

UNKNOWN = ("Sorry, I don't know that command.", "Sorry, die opdracht ken ik niet.")


async def _world(sb: Sandbox, people: People):
    """Kerklaan (Anna coordinates), with Kees's group; Dorpsstraat (Dirk coordinates)."""
    kees = sb.add_user("Kees", language_code="en")
    dirk = sb.add_user("Dirk", language_code="en")
    stranger = sb.add_user("Vreemde", language_code="en")
    street = await neighbourhood(sb, people.anna, people.piet, kees)
    await neighbourhood(sb, dirk, title="Dorpsstraat")
    await start_group(sb, street, kees, "Kees zijn groep")
    for user in (people.anna, people.piet, people.fleur, kees, dirk, stranger):
        await user.start()
        await user.dm.next_bot_message()
    return {
        "stranger": stranger,
        "resident": people.piet,
        "owner": kees,
        "coordinator": people.anna,
        "other coordinator": dirk,
        "facilitator": people.fleur,
    }


async def _ask(user: User, text: str) -> str:
    await user.send(user.dm, text)
    return (await user.dm.next_bot_message()).text


async def _ids(app: BuurtApplication) -> tuple[int, int]:
    async with db(app) as session:
        home = await session.scalar(select(Neighbourhood).where(Neighbourhood.title == "Kerklaan"))
        group = await session.scalar(select(Group).where(Group.title == "Kees zijn groep"))
        assert home is not None and group is not None
        return home.id, group.id


@pytest.mark.parametrize(
    "who", ["stranger", "resident", "owner", "coordinator", "other coordinator", "facilitator"]
)
async def test_authorization_matrix(sb: Sandbox, people: People, bot: BuurtApplication, who: str):
    cast = await _world(sb, people)
    user = cast[who]
    home_id, group_id = await _ids(bot)
    sees_all = who == "facilitator"
    coordinates = who in ("coordinator", "other coordinator", "facilitator")

    unknown = await _ask(user, "/doesnotexist")
    assert unknown.startswith(UNKNOWN)

    overview = await _ask(user, "/overview")
    if not coordinates:
        assert overview == unknown
    else:
        assert ("Kerklaan" in overview) == (who != "other coordinator")
        assert ("Dorpsstraat" in overview) == (who in ("other coordinator", "facilitator"))

    facts = await _ask(user, f"/group {group_id}")
    assert (facts == unknown) == (not sees_all)

    quiet = await _ask(user, "/quiet")
    assert (quiet == unknown) == (not coordinates)

    nudged = await _ask(user, f"/nudge {group_id}")
    may_nudge = who in ("coordinator", "facilitator")
    if not coordinates:
        assert nudged == unknown
    elif not may_nudge:
        assert "number of an active group" in nudged  # as if the group did not exist

    settings = await _ask(user, f"/settings {home_id}")
    if not coordinates:
        assert settings == unknown
    else:
        assert ("Kerklaan" in settings) == may_nudge

    for command in (
        "/audit",
        f"/announce {home_id} hallo",
        f"/ban {home_id} 1",
        f"/unban {home_id} 1",
    ):
        answer = await _ask(user, command)
        assert (answer == unknown) == (not coordinates), (who, command)
    await user.send(user.dm, "/report")
    report = await user.dm.next_bot_message()
    assert (report.text == unknown) == (not coordinates)
    if coordinates:
        await user.dm.next_bot_message()  # the table after the chart

    async with db(bot) as session:
        nudges = list(await session.scalars(select(Nudge)))
        audit = list(await session.scalars(select(AuditEntry.action)))
    assert len(nudges) == (1 if may_nudge else 0)
    assert ("nudge" in audit) == may_nudge
    if may_nudge:
        group_chat = next(c for c in sb.chats.values() if c.title == "Kees zijn groep")
        await eventually(lambda: _has_nudge(group_chat))


async def _has_nudge(chat) -> bool:
    return any("still useful" in m.text or "nog nuttig" in m.text for m in chat.bot_messages)


async def test_settings_change_validate_and_audit(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    await _world(sb, people)
    anna = people.anna
    street = next(c for c in sb.chats.values() if c.title == "Kerklaan")
    await anna.send(street, "/settings quiet_hours=22:00-07:30 nudge_after_days=7 language=en")
    reply = (await street.next_bot_message()).text
    assert "quiet_hours=22:00-07:30" in reply and "nudge_after_days=7" in reply
    for bad, key in [
        ("timezone=Europe/Amsterdm", "timezone"),
        ("nudge_after_days=0", "nudge_after_days"),
        ("colour=blue", "colour"),
        ("quiet_hours=9-5", "quiet_hours"),
        ("coordinators=+@nobody_known", "nobody_known"),
    ]:
        await anna.send(street, f"/settings {bad}")
        assert key in (await street.next_bot_message()).text, bad
    # Control characters never reach the database (PostgreSQL refuses NUL in text). In
    # the DM: the chat has had its 20 messages a minute.
    home_id, _ = await _ids(bot)
    question = await _ask(anna, f'/settings {home_id} join_question="Woon\x00 je\x07 hier?"')
    assert "join_question=Woon je hier?" in question
    await people.piet.send(street, "/settings language=nl")  # a resident may not
    assert "Only coordinators" in (await street.next_bot_message()).text
    async with db(bot) as session:
        home = await session.scalar(select(Neighbourhood).where(Neighbourhood.title == "Kerklaan"))
        assert home is not None
        assert (home.language, home.nudge_after_days, home.quiet_start) == ("en", 7, "22:00")
        assert home.join_question == "Woon je hier?"
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert {"settings quiet_hours", "settings nudge_after_days", "settings language"} <= set(
        actions
    )
    audit = await _ask(people.fleur, "/audit 5")
    assert (
        f"Anna heeft een instelling van buurt Kerklaan (#{home_id}) veranderd: language=en\n"
        in audit
    )


async def test_a_facilitator_dissolves_a_group_with_a_reason(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    await _world(sb, people)
    _, group_id = await _ids(bot)
    fleur = people.fleur
    assert "reden" in await _ask(fleur, f"/dissolve {group_id}")  # Fleur reads Dutch
    await fleur.send(fleur.dm, f"/dissolve {group_id} het doel is <bereikt> & klaar")
    question = await fleur.dm.next_bot_message()
    await fleur.press(question, "Ja, sluit af")
    group_chat = next(c for c in sb.chats.values() if c.title == "Kees zijn groep")
    told = await group_chat.next_bot_message()
    assert "het doel is <bereikt> & klaar" in told.text
    await sb.wait_for_call("leaveChat")
    async with db(bot) as session:
        group = await session.get(Group, group_id)
        assert group is not None and group.status == GroupStatus.DISSOLVED
        assert group.dissolved_by == fleur.id


async def test_a_ban_reaches_every_group_and_future_joins(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    cast = await _world(sb, people)
    kees, anna, piet = cast["owner"], people.anna, people.piet
    street = next(c for c in sb.chats.values() if c.title == "Kerklaan")
    group_chat = next(c for c in sb.chats.values() if c.title == "Kees zijn groep")
    link = [u for u, link in sb.invite_links.items() if link.chat_id == group_chat.id][-1]
    await piet.request_join(link)
    await eventually(lambda: _status_is(group_chat, piet, "member"))
    said = await piet.send(street, "ik doe vervelend")
    await kees.send(street, "/ban", reply_to=said)  # not a coordinator
    assert "coördinatoren" in (await street.next_bot_message()).text
    await anna.send(street, "/ban spam", reply_to=said)
    assert "Piet" in (await street.next_bot_message()).text
    await eventually(lambda: _status_is(group_chat, piet, "kicked"))
    assert street.status(piet) == "kicked"

    await anna.send(anna.dm, f"/unban {(await _ids(bot))[0]} {piet.id}")
    assert "mag weer" in (await anna.dm.next_bot_message()).text  # Anna reads Dutch
    await eventually(lambda: _status_is(street, piet, "left"))
    async with db(bot) as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "ban" in actions and "unban" in actions
    async with db(bot) as session:  # someone the bot no longer knows, about someone unknown
        session.add(
            AuditEntry(
                at=utcnow(),
                actor_id=4242,
                action="ban",
                target="user 5151",
                neighbourhood_id=(await _ids(bot))[0],
            )
        )
        await session.commit()
    audit = await _ask(people.fleur, "/audit")  # Fleur reads Dutch
    local = datetime.now(ZoneInfo("Europe/Amsterdam"))  # the neighbourhood's clock, not UTC's
    clocks = [
        f"{format_date(t, 'EEEE d MMMM', locale='nl')} {t:%H:%M}"
        for t in (local, local - timedelta(minutes=1))
    ]
    assert any(audit.startswith(f"Laatste acties\n• {clock}: ") for clock in clocks), audit
    assert "Anna heeft Piet uitgesloten van Kerklaan. Reden: spam" in audit
    assert "Anna heeft Piet weer toegelaten tot Kerklaan." in audit
    assert ": Iemand heeft iemand uitgesloten van Kerklaan.\n" in audit
    assert not any(word in audit for word in ("UTC", "user", "unban", "1000", "4242", "5151"))


async def _status_is(chat, user, status: str) -> bool:
    return chat.status(user) == status


async def test_an_announcement_is_previewed_then_posted(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    await _world(sb, people)
    home_id, _ = await _ids(bot)
    fleur = people.fleur
    street = next(c for c in sb.chats.values() if c.title == "Kerklaan")
    assert "/aankondigen 3" in await _ask(fleur, "/announce")  # Fleur reads Dutch
    await fleur.send(fleur.dm, f"/announce {home_id} Buurthuis <open> & koffie ☕ vanaf maandag")
    preview = await fleur.dm.next_bot_message()
    assert "Buurthuis <open> & koffie ☕" in preview.text
    await street.no_bot_message(timeout=0.3)  # nothing before confirming
    await fleur.press(preview, "Plaatsen")
    posted = await street.next_bot_message()
    assert posted.text == "📣 Buurthuis <open> & koffie ☕ vanaf maandag"
    stale = await fleur.press_data(preview, f"an:ok:{home_id}")
    assert (await stale.wait()).text  # answered, and nothing posted twice
    await street.no_bot_message(timeout=0.5)
    dirk = next(u for u in sb.users.values() if u.first_name == "Dirk")
    assert "/announce" in await _ask(dirk, f"/announce {home_id} niet van jou")


async def test_a_cancelled_announcement_stays_cancelled(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    await _world(sb, people)
    home_id, _ = await _ids(bot)
    fleur = people.fleur
    street = next(c for c in sb.chats.values() if c.title == "Kerklaan")
    await fleur.send(fleur.dm, f"/announce {home_id} Buurthuis dicht")
    preview = await fleur.dm.next_bot_message()
    # A double tap on Cancel, then Post: every press still shows the preview as it was.
    presses = [await fleur.press_data(preview, f"an:{a}:{home_id}") for a in ("no", "no", "ok")]
    for press in presses:
        await press.wait()
    await sb.idle()
    await street.no_bot_message(timeout=0.5)  # nothing posted
    assert preview.text == "Niet geplaatst."
    edits = [c for c in sb.calls_to("editMessageText") if c.params.get("message_id")]
    assert edits and all(c.ok for c in edits)  # the preview was edited once, not refused


async def test_the_report_is_a_chart_and_a_table_that_agree(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    await _world(sb, people)
    anna, piet = people.anna, people.piet
    street = next(c for c in sb.chats.values() if c.title == "Kerklaan")
    await anna.send(street, "/ask iets")
    card = await street.next_bot_message()
    await piet.press(card, "Ik help")
    await eventually(lambda: _done_ready(card))
    await anna.press(card, "Klaar")
    await eventually(lambda: _text(card, "Bedankt"))
    group_chat = next(c for c in sb.chats.values() if c.title == "Kees zijn groep")
    kees = next(u for u in sb.users.values() if u.first_name == "Kees")
    await kees.send(group_chat, "/members")  # some activity in the group this week
    await group_chat.next_bot_message()
    fleur = people.fleur
    await fleur.send(fleur.dm, "/report")
    photo = await fleur.dm.next_bot_message()
    document = await fleur.dm.next_bot_message()
    assert photo.file is not None and document.file is not None
    png, csv_bytes = photo.file.content, document.file.content
    assert png is not None and csv_bytes is not None
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (800, 500) and 5_000 < len(png) < 500_000
    rows = csv_bytes.decode().splitlines()
    assert rows[0] == "neighbourhood_id,neighbourhood,week,active_groups,requests_done"
    kerklaan = [r.split(",") for r in rows[1:] if ",Kerklaan," in r]
    assert len(kerklaan) == 1  # set up this week: no weeks before it
    assert photo.text == "Deze week, per buurt."
    assert sum(int(r[4]) for r in kerklaan) == 1  # the one request done
    assert int(kerklaan[-1][3]) >= 1  # Kees's group was active this week
    dirk = next(u for u in sb.users.values() if u.first_name == "Dirk")
    await dirk.send(dirk.dm, "/report")
    await dirk.dm.next_bot_message()
    table = (await dirk.dm.next_bot_message()).file
    assert table is not None and table.content is not None
    assert b"Kerklaan" not in table.content  # not his neighbourhood


async def _done_ready(card) -> bool:
    return "Klaar" in card.button_texts


async def _text(card, fragment: str) -> bool:
    return fragment in card.text


async def _with_question(sb: Sandbox, people: People, app: BuurtApplication):
    cast = await _world(sb, people)
    street = next(c for c in sb.chats.values() if c.title == "Kerklaan")
    await people.anna.send(street, '/settings join_question="Welke bakker zit op de hoek?"')
    await street.next_bot_message()
    group_chat = next(c for c in sb.chats.values() if c.title == "Kees zijn groep")
    link = [u for u, link in sb.invite_links.items() if link.chat_id == group_chat.id][-1]
    newcomer = sb.add_user("Nieuw", language_code="en")
    await newcomer.request_join(link)
    question = await newcomer.dm.next_bot_message()
    assert "Welke bakker zit op de hoek?" in question.text
    return cast, group_chat, newcomer


@pytest.mark.parametrize("verdict", ["Approve", "Decline"])
async def test_the_join_question_goes_to_the_coordinators(
    sb: Sandbox, people: People, bot: BuurtApplication, verdict: str
):
    _cast, group_chat, newcomer = await _with_question(sb, people, bot)
    await newcomer.send(newcomer.dm, "Bakker <Jansen> & zoon")
    assert "coordinators" in (await newcomer.dm.next_bot_message()).text
    forwarded = await people.anna.dm.next_bot_message()
    assert "Bakker <Jansen> & zoon" in forwarded.text and "Nieuw" in forwarded.text
    data = forwarded.button("Toelaten")["callback_data"]
    outsider = await people.piet.press_data(people.piet.dm.bot_messages[0], data)
    assert "no longer works" in str((await outsider.wait()).text)  # Piet coordinates nothing
    await people.anna.press(forwarded, "Toelaten" if verdict == "Approve" else "Afwijzen")
    if verdict == "Approve":
        await eventually(lambda: _status_is(group_chat, newcomer, "member"))
    else:
        await eventually(lambda: _request_gone(sb, group_chat, newcomer))
        assert group_chat.status(newcomer) != "member"
    original = forwarded.history[0].reply_markup
    assert original is not None
    again = await people.anna.press_data(
        forwarded, original["inline_keyboard"][0][0]["callback_data"]
    )
    assert "al afgehandeld" in str((await again.wait()).text)


async def _request_gone(sb: Sandbox, chat, user) -> bool:
    return (chat.id, user.id) not in sb.world.join_requests


async def test_an_unanswered_join_question_is_declined_after_two_days(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    _cast, group_chat, newcomer = await _with_question(sb, people, bot)
    await run_round(services_of(bot), utcnow() + timedelta(hours=47))
    assert (group_chat.id, newcomer.id) in sb.world.join_requests
    await run_round(services_of(bot), utcnow() + timedelta(hours=49))
    await eventually(lambda: _request_gone(sb, group_chat, newcomer))


async def test_the_monday_digest_is_sent_once_and_skipped_when_unchanged(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    await _world(sb, people)
    fleur, anna, dirk = (
        people.fleur,
        people.anna,
        next(u for u in sb.users.values() if u.first_name == "Dirk"),
    )
    services = services_of(bot)
    monday = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)  # 09:30 in Amsterdam
    await run_round(services, monday - timedelta(hours=1))  # 08:30: too early
    await fleur.dm.no_bot_message(timeout=0.3)
    await run_round(services, monday)
    digest = await fleur.dm.next_bot_message()
    assert "Kerklaan" in digest.text and "Dorpsstraat" in digest.text
    chart_message = await fleur.dm.next_bot_message()
    assert chart_message.file is not None
    coordinator_digest = await anna.dm.next_bot_message()
    assert "Kerklaan" in coordinator_digest.text and "Dorpsstraat" not in coordinator_digest.text
    assert "Dorpsstraat" in (await dirk.dm.next_bot_message()).text
    await run_round(services, monday + timedelta(hours=2))  # same Monday: once
    await fleur.dm.no_bot_message(timeout=0.5)
    await run_round(services, monday + timedelta(days=7))  # nothing changed: skipped
    await fleur.dm.no_bot_message(timeout=0.5)
    street = next(c for c in sb.chats.values() if c.title == "Kerklaan")
    await anna.send(street, "/ask iets nieuws")
    await street.next_bot_message()
    await run_round(services, monday + timedelta(days=14))  # something changed
    assert "1 gevraagd" in (await fleur.dm.next_bot_message()).text


async def test_a_nudge_on_its_way_through_the_outbox_is_sent_once(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    await _world(sb, people)
    _home_id, group_id = await _ids(bot)
    group_chat = next(c for c in sb.chats.values() if c.title == "Kees zijn groep")
    async with db(bot) as session:  # no quiet hours, whatever the hour in Amsterdam
        await session.execute(update(Neighbourhood).values(quiet_start="00:00", quiet_end="00:00"))
        await session.commit()
    sb.fail_method("sendMessage", error_code=502, description="Bad Gateway", times=1)
    await people.fleur.send(people.fleur.dm, f"/nudge {group_id}")  # its nudge goes first
    assert "nog nuttig" in (await people.fleur.dm.next_bot_message()).text  # Fleur reads Dutch
    # The nudge waits in the outbox for its retry, and a round comes by long after /nudge.
    services = services_of(bot)
    later = utcnow() + timedelta(minutes=11)
    await run_round(services, later)
    nudge = await group_chat.next_bot_message(timeout=10)
    await run_round(services, later + timedelta(minutes=11))
    await group_chat.no_bot_message(timeout=3)  # longer than the outbox's retry pause
    async with db(bot) as session:
        recorded = list(await session.scalars(select(Nudge)))
    assert [(n.status, n.message_id) for n in recorded] == [(NudgeStatus.SENT, nudge.message_id)]


async def test_figures_meet_their_nouns_in_the_readers_words(
    sb: Sandbox, people: People, bot_on_each_database: BuurtApplication
):
    bot = bot_on_each_database  # counted in SQL: on SQLite and PostgreSQL alike
    cast = await _world(sb, people)
    street = next(c for c in sb.chats.values() if c.title == "Kerklaan")
    await people.anna.send(street, "/ask boodschappen")
    await street.next_bot_message()
    await people.piet.send(street, "/offer een ladder")
    await street.next_bot_message()
    overview = await _ask(people.fleur, "/overview")  # Fleur reads Dutch
    assert "Kerklaan (#1): 3 bewoners, 1 groep, 1 gevraagd, 1 aangeboden, 0 klaar; " in overview
    assert "Dorpsstraat (#2): 1 bewoner, 0 groepen, 0 gevraagd, 0 aangeboden, 0 klaar" in overview
    assert "vandaag nog actief" in overview and "0 dagen stil" not in overview

    await cast["owner"].send(street, "/newgroup Wacht nog")
    await street.next_bot_message()
    _home_id, group_id = await _ids(bot)
    async with db(bot) as session:
        waiting = await session.scalar(select(Group.id).where(Group.title == "Wacht nog"))
    facts = await _ask(people.fleur, f"/group {waiting}")
    assert facts.startswith(f"Wacht nog (#{waiting}): wacht op een groepschat\nBegonnen: ")
    assert facts.endswith(
        "Leden: 0.\nVerzoeken: nog geen.\nLaatste activiteit: nog geen.\nHerinneringen: 0."
    )
    going = await _ask(people.fleur, f"/group {group_id}")
    assert going.startswith(f"Kees zijn groep (#{group_id}): loopt\n")
    assert "pending" not in facts + going and "active" not in going and "?" not in facts

    async with db(bot) as session:  # one nudge ignored, one ask waiting for four days
        await session.execute(
            update(Group).where(Group.id == group_id).values(ignored_nudges=1, needs_attention=True)
        )
        await session.execute(update(Request).values(created_at=utcnow() - timedelta(days=4)))
        await session.commit()
    quiet = await _ask(people.fleur, "/quiet")
    assert f"groep Kees zijn groep (#{group_id}): reageerde niet op 1 herinnering\n" in quiet
    assert "buurt Kerklaan (#1): 1 verzoek al meer dan 3 dagen niet opgepakt" in quiet
    async with db(bot) as session:  # nobody wrote since it was linked, five days ago
        linked = utcnow() - timedelta(days=5)
        await session.execute(
            update(Group)
            .where(Group.id == group_id)
            .values(needs_attention=False, last_activity_at=None, linked_at=linked)
        )
        await session.commit()
    quiet = await _ask(people.fleur, "/quiet")
    assert f"groep Kees zijn groep (#{group_id}): 5 dagen stil\n" in quiet


async def _said(chat, text: str) -> bool:
    return any(m.text == text for m in chat.bot_messages)


async def test_a_nudge_says_active_today_and_counts_one_day_as_one(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    cast = await _world(sb, people)
    _home_id, group_id = await _ids(bot)
    group_chat = next(c for c in sb.chats.values() if c.title == "Kees zijn groep")
    await _ask(people.fleur, f"/nudge {group_id}")
    today = "Deze groep was vandaag nog actief. Is hij nog nuttig?"
    await eventually(lambda: _said(group_chat, today))

    async def sent() -> bool:
        async with db(bot) as session:
            return set(await session.scalars(select(Nudge.status))) == {NudgeStatus.SENT}

    await eventually(sent)
    async with db(bot) as session:  # last seen yesterday; a second nudge goes to the owner too
        yesterday = utcnow() - timedelta(days=1)
        await session.execute(update(Group).values(last_activity_at=yesterday))
        await session.commit()
    await _ask(people.fleur, f"/nudge {group_id}")
    await eventually(
        lambda: _said(group_chat, "Het is hier al 1 dag stil. Is deze groep nog nuttig?")
    )
    told = await cast["owner"].dm.next_bot_message()
    assert "has been quiet for 1 day and nobody answered" in told.text


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/group", "/group 12"),
        ("/group abc", "/group 12"),
        ("/group 99999", "#99999"),
        ("/nudge", "/nudge 12"),
        ("/nudge 99999", "/nudge 12"),
        ("/dissolve 99999 weg", "/dissolve 12"),
        ("/settings", "/settings 3"),
        ("/settings 99999 language=en", "/settings 3"),
        ("/settings {home} language=fr", "language"),
        ("/settings {home} timezone=Mars/Olympus", "timezone"),
        ("/settings {home} quiet_hours", "quiet_hours"),
        ("/announce", "/announce 3"),
        ("/announce {home}", "/announce 3"),
        ("/announce {home} " + "x" * 3600, "3500"),
        ("/ban", "/ban 3 @"),
        ("/ban {home} @nobody_known", "/ban 3 @"),
        ("/unban {home}", "/unban 3 @"),
        ("/audit zzz <b>", "<b>"),
    ],
)
async def test_bad_arguments_get_a_clear_answer_and_change_nothing(
    sb: Sandbox, people: People, bot: BuurtApplication, command: str, expected: str
):
    await _world(sb, people)
    home_id, _ = await _ids(bot)
    fleur = people.fleur
    fleur.language_code = "en"  # read the English answers
    async with db(bot) as session:
        before = list(await session.scalars(select(AuditEntry.id)))
    reply = await _ask(fleur, command.format(home=home_id))
    if expected == "<b>":  # /audit ignores what it cannot read and lists as usual
        assert "Latest actions" in reply or "Laatste acties" in reply
    else:
        assert expected in reply, reply
    async with db(bot) as session:
        assert list(await session.scalars(select(AuditEntry.id))) == before


async def test_lists_longer_than_a_message_arrive_in_several(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    """A municipality's worth of neighbourhoods with long names: nothing is lost or refused."""
    titles = [f"Buurt {n:02} " + "Van Oldenbarneveltlaan-Noord " * 4 for n in range(40)]
    async with db(bot) as session:
        for n, title in enumerate(titles):
            await neighbourhoods.register(
                session,
                chat_id=-3_000_000 - n,
                title=title,
                created_by=people.fleur.id,
                language="nl",
                timezone="Europe/Amsterdam",
                now=utcnow(),
            )
        await session.commit()
    fleur = people.fleur
    await fleur.start()
    await fleur.dm.next_bot_message()
    for command in ("/overview", "/quiet"):
        await fleur.send(fleur.dm, command)
        received = [(await fleur.dm.next_bot_message()).text]
        while not all(title.strip() in "\n".join(received) for title in titles):
            received.append((await fleur.dm.next_bot_message()).text)
        assert len(received) >= 2, command
        assert all(len(text) <= 4096 for text in received)
    assert [c.description for c in sb.calls if c.ok is False] == []
