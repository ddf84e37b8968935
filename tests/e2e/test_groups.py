"""Ad-hoc groups end to end: spin up, closed membership, dissolve."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.context import BuurtApplication
from models import Group, GroupStatus, Neighbourhood
from models.entities import InboxState, InboxUpdate, OutboxMessage
from sandbox import Sandbox
from tests.conftest import BACKENDS, utcnow
from tests.e2e.conftest import People, db, eventually, make_config, postgres_database, running
from tests.e2e.groups_world import (
    ask_for_group,
    invite_link_of,
    neighbourhood,
    start_group,
    token_of,
)


async def _group(app: BuurtApplication, title: str) -> Group:
    async with db(app) as session:
        group = await session.scalar(select(Group).where(Group.title == title))
        assert group is not None
        return group


async def test_the_whole_life_of_a_group(sb: Sandbox, people: People, bot: BuurtApplication):
    piet, anna = people.piet, people.anna
    street = await neighbourhood(sb, anna, piet, language="en")
    reply = await ask_for_group(piet, street.chat, "Speeltuin Kerklaan")
    assert "Speeltuin Kerklaan" in reply.text and reply.buttons[0][0]["url"].startswith(
        "https://t.me/buurtbot_test?startgroup="
    )
    playground = sb.add_group("Speeltuin", members=[piet], admins=[piet], supergroup=True)
    await playground.add_bot(by=piet, payload=token_of(reply))
    welcome = await playground.next_bot_message()
    assert "Speeltuin Kerklaan" in welcome.text and "Kerklaan" in welcome.text
    assert "invite users" in welcome.text  # not an admin yet: it asks for the rights

    await sb.promote_bot(playground, by=piet, can_invite_users=True, can_restrict_members=True)
    assert "/invite" in (await playground.next_bot_message()).text
    link = invite_link_of(sb, playground)
    assert sb.invite_links[link].creates_join_request

    await piet.send(playground, "/invite")
    assert link in (await playground.next_bot_message()).text

    await anna.request_join(link)  # a resident: let in at once
    await eventually(lambda: _is_member(sb, playground, anna))
    await piet.send(playground, "/members")
    listing = (await playground.next_bot_message()).text
    assert "Piet (owner)" in listing and "Anna" in listing

    await piet.send(playground, "/dissolve")
    question = await playground.next_bot_message()
    await piet.press(question, "Yes, end it")
    summary = await playground.next_bot_message()
    assert "ended" in summary.text and "2 members" in summary.text
    await sb.wait_for_call("leaveChat", timeout=5)
    assert not playground.bot_present
    assert sb.invite_links[link].is_revoked
    group = await _group(bot, "Speeltuin Kerklaan")
    assert group.status == GroupStatus.DISSOLVED and group.dissolved_by == piet.id


async def _is_member(sb: Sandbox, chat, user) -> bool:
    return chat.status(user) == "member"


async def test_a_lost_payload_falls_back_to_the_only_pending_group(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    await ask_for_group(people.piet, street.chat, "Boodschappen")
    chat = sb.add_group("Boodschappen", members=[people.piet], admins=[people.piet])
    await chat.add_bot(by=people.piet)  # no payload arrives
    welcome = await chat.next_bot_message(timeout=5)
    assert "Boodschappen" in welcome.text
    assert (await _group(bot, "Boodschappen")).chat_id == chat.id


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_fallback_survives_a_restart_before_it_is_due(
    sb: Sandbox, people: People, tmp_path: Path, backend: str
):
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(postgres_database()) if backend != "sqlite" else None
        config = make_config(sb, tmp_path, [], url)
        config = config.model_copy(
            update={"groups": config.groups.model_copy(update={"payload_wait_seconds": 4})}
        )
        async with running(sb, config) as app:
            street = await neighbourhood(sb, people.anna, people.piet)
            await ask_for_group(people.piet, street.chat, "Boodschappen")
            chat = sb.add_group("Boodschappen", members=[people.piet], admins=[people.piet])
            await chat.add_bot(by=people.piet)  # no payload arrives

            async def handled() -> bool:
                async with db(app) as session:
                    pending = select(InboxUpdate).where(InboxUpdate.state != InboxState.DONE)
                    return await session.scalar(pending) is None

            await sb.idle()
            await eventually(handled)
        # Stopped and started again before the wait was over, and slowly (Telegram hiccups
        # at getMe): the fallback still comes.
        sb.fail_method("getMe", error_code=502, description="Bad Gateway", times=2)
        async with running(sb, config) as app:
            welcome = await chat.next_bot_message(timeout=10)
            assert "Boodschappen" in welcome.text
            assert (await _group(app, "Boodschappen")).chat_id == chat.id


async def test_with_several_pending_groups_the_bot_asks_which(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    await ask_for_group(people.piet, street.chat, "Eerste")
    await ask_for_group(people.piet, street.chat, "Tweede")
    chat = sb.add_group("Iets", members=[people.piet, people.anna], admins=[people.piet])
    await chat.add_bot(by=people.piet)
    question = await chat.next_bot_message(timeout=5)
    assert question.button_texts == ["Eerste", "Tweede"]
    answer = await people.anna.press(question, "Tweede")  # not hers to choose
    assert "Alleen wie" in str((await answer.wait()).text)  # Anna reads Dutch
    await people.piet.press(question, "Tweede")
    assert "Tweede" in (await chat.next_bot_message()).text
    assert (await _group(bot, "Tweede")).chat_id == chat.id
    assert (await _group(bot, "Eerste")).chat_id is None


async def test_link_rejections(sb: Sandbox, people: People, bot: BuurtApplication):
    piet, anna = people.piet, people.anna
    street = await neighbourhood(sb, anna, piet, language="en")
    reply = await ask_for_group(piet, street.chat, "Eenmalig")
    token = token_of(reply)

    # Someone else's token.
    theirs = sb.add_group("Van Anna", members=[anna, piet], admins=[anna])
    await theirs.add_bot(by=anna, payload=token)
    assert (
        "belongs to someone else"
        in (await theirs.next_bot_message()).text.replace("behoort", "belongs")
        or "iemand anders" in theirs.bot_messages[-1].text
    )

    # Used once, then again.
    first = sb.add_group("Eerste", members=[piet], admins=[piet])
    await first.add_bot(by=piet, payload=token)
    assert "Eenmalig" in (await first.next_bot_message()).text
    second = sb.add_group("Tweede", members=[piet], admins=[piet])
    await second.add_bot(by=piet, payload=token)
    assert "already been used" in (await second.next_bot_message()).text

    # An unknown token, and a token in the neighbourhood chat itself.
    await piet.send(second, "/start@buurtbot_test 0123456789abcdef0123456789abcdef")
    assert "don't recognise" in (await second.next_bot_message()).text
    other = token_of(await ask_for_group(piet, street.chat, "Ander"))
    await piet.send(street.chat, f"/start@buurtbot_test {other}")
    assert "neighbourhood chat" in (await street.chat.next_bot_message()).text

    # A chat that is already linked.
    await piet.send(first, f"/start@buurtbot_test {other}")
    assert "already a group" in (await first.next_bot_message()).text

    # A group chat cannot become a neighbourhood as well, and a neighbourhood chat no group.
    await piet.send(first, "/setup")
    assert "neighbourhood's group chat" in (await first.next_bot_message()).text
    async with db(bot) as session:
        assert (
            await session.scalar(select(Neighbourhood).where(Neighbourhood.chat_id == first.id))
            is None
        )

    # A token opened in a private chat.
    await piet.send(piet.dm, f"/start {other}")
    assert "not to our private chat" in (await piet.dm.next_bot_message()).text

    # An expired token.
    async with db(bot) as session:
        await session.execute(
            update(Group).where(Group.title == "Ander").values(expires_at=utcnow() - timedelta(1))
        )
        await session.commit()
    late = sb.add_group("Te laat", members=[piet], admins=[piet])
    await late.add_bot(by=piet, payload=other)
    assert "expired" in (await late.next_bot_message()).text


async def test_newgroup_rejects_bad_titles_and_too_many_groups(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet = people.piet
    street = await neighbourhood(sb, people.anna, piet, language="en")
    await piet.send(street.chat, "/newgroup")
    assert "/newgroup" in (await street.chat.next_bot_message()).text
    await piet.send(street.chat, "/newgroup -private   ")
    assert "name" in (await street.chat.next_bot_message()).text
    await piet.send(street.chat, "/newgroup " + "x" * 65)
    assert "64" in (await street.chat.next_bot_message()).text
    for title in ("<3 & co", "👵🏼 Oma's boodschappen", "مجموعة"):
        reply = await ask_for_group(piet, street.chat, title)
        assert title in reply.text
    await piet.send(street.chat, "/newgroup Nog eentje")
    assert "3 groups" in (await street.chat.next_bot_message()).text
    async with db(bot) as session:
        titles = set(await session.scalars(select(Group.title)))
    assert titles == {"<3 & co", "👵🏼 Oma's boodschappen", "مجموعة"}


async def test_newgroup_in_a_dm_asks_which_neighbourhood(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet = people.piet
    await neighbourhood(sb, people.anna, piet, title="Kerklaan")
    await neighbourhood(sb, people.anna, piet, title="Dorpsstraat")
    await piet.start()
    await piet.dm.next_bot_message()
    await piet.send(piet.dm, "/newgroup Buurtfeest")
    question = await piet.dm.next_bot_message()
    assert sorted(question.button_texts) == ["Dorpsstraat", "Kerklaan"]
    await piet.press(question, "Dorpsstraat")
    await eventually(lambda: _has_link_button(question))
    token = token_of(question)
    chat = sb.add_group("Feest", members=[piet], admins=[piet])
    await chat.add_bot(by=piet, payload=token)
    assert "Dorpsstraat" in (await chat.next_bot_message()).text


async def _has_link_button(message) -> bool:
    return bool(message.buttons) and bool(message.buttons[0][0].get("url"))


async def test_newgroup_in_a_dm_from_a_stranger(sb: Sandbox, people: People, bot: BuurtApplication):
    await people.piet.send(people.piet.dm, "/newgroup Iets")
    assert "don't know your neighbourhood" in (await people.piet.dm.next_bot_message()).text


async def test_invite_only_approve_and_decline(sb: Sandbox, people: People, bot: BuurtApplication):
    piet, anna = people.piet, people.anna
    kees = sb.add_user("Kees", language_code="en")
    street = await neighbourhood(sb, anna, piet, kees)
    await piet.start()
    await piet.dm.next_bot_message()
    chat = await start_group(sb, street, piet, "Besloten", private=True)
    link = invite_link_of(sb, chat)

    await anna.request_join(link)
    ask = await piet.dm.next_bot_message()
    assert "Anna" in ask.text and ask.button_texts == ["Approve", "Decline"]
    first = await piet.press(ask, "Approve")
    assert (await first.wait()).text == "Approved."
    await eventually(lambda: _is_member(sb, chat, anna))
    original = ask.history[0].reply_markup
    assert original is not None
    decline_data = original["inline_keyboard"][0][1]["callback_data"]
    again = await piet.press_data(ask, decline_data)  # a double press on the old buttons
    assert "already been handled" in str((await again.wait()).text)

    await kees.request_join(link)
    ask = await piet.dm.next_bot_message()
    await piet.press(ask, "Decline")
    await eventually(lambda: _no_request(sb, chat, kees))
    assert chat.status(kees) != "member"
    await eventually(lambda: _shows(ask, "declined"))


async def _shows(message, text: str) -> bool:
    return text in message.text


async def _no_request(sb: Sandbox, chat, user) -> bool:
    return (chat.id, user.id) not in sb.world.join_requests


async def test_strangers_and_banned_residents_are_declined(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet, anna = people.piet, people.anna
    stranger = sb.add_user("Vreemde", language_code="en")
    kees = sb.add_user("Kees", language_code="en")
    street = await neighbourhood(sb, anna, piet, kees)
    chat = await start_group(sb, street, piet, "Open groep")
    link = invite_link_of(sb, chat)

    await stranger.request_join(link)
    reason = await stranger.dm.next_bot_message()
    assert "only for residents" in reason.text
    await eventually(lambda: _no_request(sb, chat, stranger))
    assert chat.status(stranger) != "member"

    await street.chat.kick(kees, by=anna)  # a ban in the neighbourhood chat
    await asyncio.sleep(0.2)
    await kees.request_join(link)
    assert "cannot join" in (await kees.dm.next_bot_message()).text
    await eventually(lambda: _no_request(sb, chat, kees))
    assert chat.status(kees) != "member"


async def test_ownership_passes_to_the_longest_member(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet, anna = people.piet, people.anna
    kees = sb.add_user("Kees", language_code="en")
    street = await neighbourhood(sb, anna, piet, kees)
    reply = await ask_for_group(piet, street.chat, "Overdracht")
    # Kees made the chat and Piet, an admin there, added the bot: Piet owns the group.
    chat = sb.add_group("Overdracht", members=[kees, piet], admins=[kees, piet])
    await chat.add_bot(by=piet, payload=token_of(reply))
    await chat.next_bot_message()
    await sb.promote_bot(chat, by=kees, can_invite_users=True, can_restrict_members=True)
    await chat.next_bot_message()
    await kees.send(chat, "Hoi!")  # a member from the start, as far as the bot can tell
    await anna.request_join(invite_link_of(sb, chat))
    await eventually(lambda: _is_member(sb, chat, anna))
    await chat.leave(piet)
    handover = await chat.next_bot_message()
    assert "Kees" in handover.text
    assert (await _group(bot, "Overdracht")).owner_id == kees.id


async def test_a_kicked_bot_dissolves_the_group_for_good(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet = people.piet
    street = await neighbourhood(sb, people.anna, piet)
    chat = await start_group(sb, street, piet, "Weg")
    await chat.remove_bot(by=piet)

    async def dissolved() -> bool:
        return (await _group(bot, "Weg")).status == GroupStatus.DISSOLVED

    await eventually(dissolved)
    await chat.add_bot(by=piet)
    assert "has ended" in (await chat.next_bot_message()).text
    assert (await _group(bot, "Weg")).status == GroupStatus.DISSOLVED


async def test_a_group_follows_its_chat_to_a_supergroup(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet = people.piet
    street = await neighbourhood(sb, people.anna, piet)
    reply = await ask_for_group(piet, street.chat, "Klein")
    small = sb.add_group("Klein", members=[piet], admins=[piet], supergroup=False)
    await small.add_bot(by=piet, payload=token_of(reply))
    await small.next_bot_message()
    big = await small.migrate_to_supergroup(by=piet)

    async def moved() -> bool:
        return (await _group(bot, "Klein")).chat_id == big.id

    await eventually(moved)
    await piet.send(big, "/members")
    assert "Piet" in (await big.next_bot_message()).text


async def test_two_chats_racing_for_one_token(sb: Sandbox, people: People, bot: BuurtApplication):
    piet = people.piet
    street = await neighbourhood(sb, people.anna, piet)
    token = token_of(await ask_for_group(piet, street.chat, "Race"))
    one = sb.add_group("Een", members=[piet], admins=[piet])
    two = sb.add_group("Twee", members=[piet], admins=[piet])
    await asyncio.gather(one.add_bot(by=piet, payload=token), two.add_bot(by=piet, payload=token))
    replies = [(await one.next_bot_message()).text, (await two.next_bot_message()).text]
    assert sum("Welkom in" in text for text in replies) == 1  # the neighbourhood's language
    assert sum("already been used" in text for text in replies) == 1


async def test_groups_lists_and_join_button(sb: Sandbox, people: People, bot: BuurtApplication):
    piet, anna = people.piet, people.anna
    street = await neighbourhood(sb, anna, piet)
    await start_group(sb, street, piet, "Open <groep>")
    await start_group(sb, street, piet, "Geheim", private=True)
    await piet.send(street.chat, "/groups")
    listing = await street.chat.next_bot_message()
    assert "Open <groep>" in listing.text and "Geheim" not in listing.text
    join_url = listing.button("Open <groep>")["url"]
    payload = join_url.split("start=")[1]
    await anna.send(anna.dm, f"/start {payload}")
    offer = await anna.dm.next_bot_message()
    await anna.request_join(offer.buttons[0][0]["url"])
    secret = await _group(bot, "Geheim")
    await anna.send(anna.dm, f"/start join_{secret.id}")  # no join button for a private group
    assert (await anna.dm.next_bot_message()).text == (
        "Via deze link kun je niet (meer) bij deze groep. Vraag een lid om een nieuwe uitnodiging."
    )
    await piet.send(piet.dm, "/mine")
    mine = (await piet.dm.next_bot_message()).text
    assert "Open <groep>" in mine and "Geheim" in mine and "owner" in mine


async def test_dissolve_by_a_member_asks_the_owner(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet, anna = people.piet, people.anna
    street = await neighbourhood(sb, anna, piet)
    await piet.start()
    await piet.dm.next_bot_message()
    chat = await start_group(sb, street, piet, "Klaar")
    await anna.request_join(invite_link_of(sb, chat))
    await eventually(lambda: _is_member(sb, chat, anna))
    await anna.send(chat, "/dissolve")
    assert "alleen de eigenaar" in (await chat.next_bot_message()).text.lower()
    suggestion = await piet.dm.next_bot_message()
    await piet.press(suggestion, "End the group")
    await eventually(lambda: _has_button(suggestion, "Yes, end it"))
    await piet.press(suggestion, "Yes, end it")
    assert "ended" in (await chat.next_bot_message()).text
    stale = await piet.press_data(suggestion, "ds:ok:1")
    assert "already ended" in str((await stale.wait()).text)


async def test_an_owner_without_a_dm_is_asked_to_end_in_the_group(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet, anna = people.piet, people.anna  # Piet never opened a DM with the bot
    street = await neighbourhood(sb, anna, piet, language="en")
    chat = await start_group(sb, street, piet, "Klaar")
    await anna.request_join(invite_link_of(sb, chat))
    await eventually(lambda: _is_member(sb, chat, anna))
    await anna.send(chat, "/dissolve")
    assert "only the owner" in (await chat.next_bot_message()).text.lower()
    suggestion = await chat.next_bot_message()
    assert "Anna suggests ending" in suggestion.text
    await piet.press(suggestion, "End the group")
    await eventually(lambda: _has_button(suggestion, "Yes, end it"))
    assert all(call.ok for call in sb.calls_to("sendMessage"))


async def _has_button(message, text: str) -> bool:
    return text in message.button_texts


async def test_a_double_tap_on_no_edits_the_question_once(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet = people.piet
    street = await neighbourhood(sb, people.anna, piet, language="en")
    chat = await start_group(sb, street, piet, "Tuin")
    await piet.send(chat, "/dissolve")
    question = await chat.next_bot_message()
    group_id = question.buttons[0][0]["callback_data"].rsplit(":", 1)[1]
    # The first edit is held up, so the second tap still sees the question.
    sb.fail_method("editMessageText", error_code=502, description="Bad Gateway", times=1)
    presses = [await piet.press_data(question, f"ds:no:{group_id}") for _ in range(2)]
    for press in presses:
        await press.wait()  # both answered

    async def outbox_empty() -> bool:
        async with db(bot) as session:
            return not (await session.scalars(select(OutboxMessage.id))).first()

    await eventually(outbox_empty)
    assert question.text == "Good, the group goes on."
    edits = [c for c in sb.calls_to("editMessageText") if int(c.params["chat_id"]) == chat.id]
    # The second edit would change nothing, and Telegram refuses such an edit: not sent.
    assert [c.ok for c in edits] == [False, True]


async def test_forged_buttons_change_nothing(sb: Sandbox, people: People, bot: BuurtApplication):
    piet = people.piet
    street = await neighbourhood(sb, people.anna, piet)
    chat = await start_group(sb, street, piet, "Echt")
    await piet.send(chat, "/dissolve")
    question = await chat.next_bot_message()
    for data in ("ds:ok:999", "ds:boom:1", "ds:ok:-1", "jr:a:1", "lk:x", "nonsense", "ng:1:1"):
        answer = (
            await people.anna.press_data(question, data)
            if False
            else await piet.press_data(question, data)
        )
        assert (await answer.wait()).text, data
    assert (await _group(bot, "Echt")).status == GroupStatus.ACTIVE


async def test_invite_a_neighbour_by_name_and_not_a_member(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet, anna = people.piet, people.anna
    kees = sb.add_user("Kees", language_code="en", username="keesje")
    joke = sb.add_user("Joke", language_code="nl", username="jokevd")
    street = await neighbourhood(sb, anna, piet, kees, joke, language="en")
    chat = await start_group(sb, street, piet, "Uitnodiging")
    await anna.request_join(invite_link_of(sb, chat))
    await eventually(lambda: _is_member(sb, chat, anna))
    hello = await anna.send(chat, "Wie kennen we nog?")
    await anna.start()
    await anna.dm.next_bot_message()

    await piet.send(chat, "/invite", reply_to=hello)  # Anna is in already: no invitation
    assert (await chat.next_bot_message()).text == "Anna is already in this group."
    await anna.dm.no_bot_message()

    await joke.start()
    await joke.dm.next_bot_message()
    await piet.send(chat, "/invite @jokevd")
    assert (await chat.next_bot_message()).text == "I sent Joke an invitation."
    invitation = await joke.dm.next_bot_message()
    assert "Uitnodiging" in invitation.text
    await joke.request_join(invitation.buttons[0][0]["url"])
    await eventually(lambda: _is_member(sb, chat, joke))
    await piet.send(chat, "/invite @jokevd")
    assert (await chat.next_bot_message()).text == "Joke is already in this group."

    await piet.send(chat, "/invite @keesje")  # known from the street, but never started the bot
    explained = (await chat.next_bot_message()).text
    assert "Kees has not started" in explained and invite_link_of(sb, chat) in explained
    await piet.send(chat, "/invite @nobody_here")  # unknown: the plain link to share
    assert "Share this link" in (await chat.next_bot_message()).text


async def test_group_commands_elsewhere_are_explained(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    for command in ("/invite", "/members", "/dissolve"):
        await people.piet.send(street.chat, command)
        assert "/nieuwegroep" in (await street.chat.next_bot_message()).text  # Dutch street
        await people.piet.send(people.piet.dm, command)
        assert "/newgroup" in (await people.piet.dm.next_bot_message()).text
    await people.piet.send(people.piet.dm, "/mine extra <b>args</b>")
    assert "not in any group" in (await people.piet.dm.next_bot_message()).text


async def test_a_deleted_chat_dissolves_its_group(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet = people.piet
    street = await neighbourhood(sb, people.anna, piet)
    chat = await start_group(sb, street, piet, "Verdwenen")
    await chat.delete(by=piet)

    async def dissolved() -> bool:
        group = await _group(bot, "Verdwenen")
        return group.status == GroupStatus.DISSOLVED and group.dissolve_reason is not None

    await eventually(dissolved)


async def test_a_forged_link_choice_cannot_link_a_private_chat(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet = people.piet
    street = await neighbourhood(sb, people.anna, piet)
    await ask_for_group(piet, street.chat, "Privé")
    group = await _group(bot, "Privé")
    await piet.start()
    welcome = await piet.dm.next_bot_message()
    press = await piet.press_data(welcome, f"lk:{group.id}")
    assert "private chat" in str((await press.wait()).text)
    assert (await _group(bot, "Privé")).status == GroupStatus.PENDING
    assert all(call.ok for call in sb.calls_to("getChatAdministrators"))  # nothing asked there


async def test_two_residents_racing_for_one_token(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet, anna = people.piet, people.anna
    street = await neighbourhood(sb, anna, piet)
    token = token_of(await ask_for_group(piet, street.chat, "Van Piet"))
    his = sb.add_group("Zijne", members=[piet], admins=[piet])
    hers = sb.add_group("Hare", members=[anna], admins=[anna])
    await asyncio.gather(his.add_bot(by=piet, payload=token), hers.add_bot(by=anna, payload=token))
    assert "Welkom in" in (await his.next_bot_message()).text
    assert "iemand anders" in (await hers.next_bot_message()).text
    assert (await _group(bot, "Van Piet")).chat_id == his.id


async def test_a_failed_token_is_not_followed_by_a_guess(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet = people.piet
    street = await neighbourhood(sb, people.anna, piet)
    await ask_for_group(piet, street.chat, "Wachtend")
    chat = sb.add_group("Gok", members=[piet], admins=[piet])
    await chat.add_bot(by=piet, payload="0123456789abcdef0123456789abcdef")  # unknown token
    assert "don't recognise" in (await chat.next_bot_message()).text
    await chat.no_bot_message(timeout=2.5)  # longer than the fallback's wait
    assert (await _group(bot, "Wachtend")).chat_id is None


async def test_a_migration_retires_the_old_invite_link(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet, anna = people.piet, people.anna
    street = await neighbourhood(sb, anna, piet)
    reply = await ask_for_group(piet, street.chat, "Groeiend")
    small = sb.add_group("Groeiend", members=[piet], admins=[piet], supergroup=False)
    await small.add_bot(by=piet, payload=token_of(reply))
    await small.next_bot_message()
    await sb.promote_bot(small, by=piet, can_invite_users=True, can_restrict_members=True)
    await small.next_bot_message()
    old_link = invite_link_of(sb, small)
    big = await small.migrate_to_supergroup(by=piet)
    await piet.send(big, "/invite")
    text = (await big.next_bot_message()).text
    new_link = invite_link_of(sb, big)
    assert new_link != old_link and new_link in text
    await anna.request_join(new_link)
    await eventually(lambda: _is_member(sb, big, anna))


async def test_an_owner_without_a_dm_is_asked_in_the_group(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    piet, anna = people.piet, people.anna
    street = await neighbourhood(sb, anna, piet)
    chat = await start_group(sb, street, piet, "Besloten zonder DM", private=True)
    await anna.request_join(invite_link_of(sb, chat))
    ask = await chat.next_bot_message()
    assert "Anna" in ask.text
    await piet.press(ask, "Approve")
    await eventually(lambda: _is_member(sb, chat, anna))
