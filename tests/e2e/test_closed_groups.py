"""Closed groups stay closed: no way around the join request, and every decision checked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.context import BuurtApplication
from bot.scheduler import run_round
from models import Group, GroupMember, JoinRequest, Neighbourhood
from models.entities import Coordinator, JoinRequestStatus
from sandbox import Chat, Sandbox, SentMessage, User
from tests.conftest import utcnow
from tests.e2e.conftest import People, db, eventually
from tests.e2e.groups_world import (
    Street,
    ask_for_group,
    invite_link_of,
    neighbourhood,
    start_group,
    token_of,
)
from transports.telegram.app import services_of


async def _status_is(chat: Chat, user: User, status: str) -> bool:
    return chat.status(user) == status


async def _says(message: SentMessage, fragment: str) -> bool:
    return fragment in message.text


async def _closed(chat: Chat) -> bool:
    return chat.permissions["can_invite_users"] is False


async def _member_again(app: BuurtApplication, chat: Chat, user: User) -> bool:
    row = await _membership(app, chat, user)
    return row is not None and row.refused_at is None and row.left_at is None


async def _refused_and_gone(app: BuurtApplication, chat: Chat, user: User) -> bool:
    row = await _membership(app, chat, user)
    return row is not None and row.refused_at is not None and row.left_at is not None


async def _membership(app: BuurtApplication, chat: Chat, user: User) -> GroupMember | None:
    async with db(app) as session:
        group = await session.scalar(select(Group).where(Group.chat_id == chat.id))
        assert group is not None
        return await session.scalar(
            select(GroupMember).where(
                GroupMember.group_id == group.id, GroupMember.user_id == user.id
            )
        )


async def _started(*users: User) -> None:
    for user in users:
        await user.start()
        await user.dm.next_bot_message()


async def _world(sb: Sandbox, people: People, *, admin: bool = True) -> tuple[Street, Chat]:
    """Kerklaan (Anna coordinates), and Piet's group in it."""
    street = await neighbourhood(sb, people.anna, people.piet)
    chat = await start_group(sb, street, people.piet, "Boodschappen", admin=admin)
    return street, chat


# -- 1. closed means closed ---------------------------------------------------------------


async def test_members_may_not_add_people_once_the_bot_can_restrict(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    reply_chat = await start_group(sb, street, people.piet, "Buurtfeest", admin=False)
    reply_chat.permissions["can_send_polls"] = False  # the owner's own choice
    assert reply_chat.permissions["can_invite_users"]  # Telegram's default for a new group
    await sb.promote_bot(
        reply_chat, by=people.piet, can_invite_users=True, can_restrict_members=True
    )
    await reply_chat.next_bot_message()
    await eventually(lambda: _closed(reply_chat))
    assert reply_chat.permissions["can_send_polls"] is False  # left as the owner set it
    assert reply_chat.permissions["can_send_messages"] is True
    await people.anna.request_join(invite_link_of(sb, reply_chat))
    await eventually(lambda: _status_is(reply_chat, people.anna, "member"))
    stranger = sb.add_user("Vreemde")
    with pytest.raises(AssertionError, match="may not add members"):
        await reply_chat.add_member(stranger, by=people.anna)


@pytest.mark.parametrize("way", ["added by the owner", "an admin's own link"])
async def test_a_stranger_who_skips_the_join_request_is_taken_out(
    sb: Sandbox, people: People, bot: BuurtApplication, way: str
):
    street, chat = await _world(sb, people)
    stranger = sb.add_user("Vreemde", language_code="nl")
    await _started(people.piet, stranger)
    if way == "added by the owner":
        await chat.add_member(stranger, by=people.piet)  # the creator may always add
    else:
        await stranger.request_join(chat.create_invite_link(by=people.piet))
    await eventually(lambda: _status_is(chat, stranger, "left"))  # banned, then unbanned
    told = await stranger.dm.next_bot_message()
    assert "Boodschappen" in told.text and "alleen voor bewoners" in told.text
    owner_told = await people.piet.dm.next_bot_message()
    assert "Vreemde" in owner_told.text and "took them out" in owner_told.text
    await eventually(lambda: _refused_and_gone(bot, chat, stranger))
    await people.piet.send(chat, "/members")
    assert "Vreemde" not in (await chat.next_bot_message()).text
    # Taken out, not banned: once a resident, they can ask the proper way.
    await street.chat.join(stranger)
    await stranger.request_join(invite_link_of(sb, chat))
    await eventually(lambda: _status_is(chat, stranger, "member"))
    await eventually(lambda: _member_again(bot, chat, stranger))


async def test_a_banned_resident_added_directly_is_taken_out(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street, chat = await _world(sb, people)
    kees = sb.add_user("Kees")
    await street.chat.join(kees)
    said = await kees.send(street.chat, "vervelend")
    await people.anna.send(street.chat, "/ban", reply_to=said)
    await street.chat.next_bot_message()
    await eventually(lambda: _status_is(street.chat, kees, "kicked"))
    await chat.add_member(kees, by=people.piet)
    await eventually(lambda: _status_is(chat, kees, "left"))
    assert "Kees" in (await chat.next_bot_message()).text  # Piet has no DM: told in the group


async def test_without_the_right_to_ban_the_owner_and_coordinators_are_told_once(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    _street, chat = await _world(sb, people, admin=False)
    await _started(people.piet, people.anna)
    stranger = sb.add_user("Vreemde")
    await chat.add_member(stranger, by=people.piet)
    owner_told = await people.piet.dm.next_bot_message()
    coordinator_told = await people.anna.dm.next_bot_message()
    for told in (owner_told, coordinator_told):
        assert "Vreemde" in told.text and ("ban" in told.text or "verwijderen" in told.text)
    await stranger.send(chat, "/ask iets van de buren")
    await stranger.send(chat, "/members")
    await people.piet.send(chat, "/members")
    listing = await chat.next_bot_message()  # the stranger's commands got nothing
    assert "Piet" in listing.text and "Vreemde" not in listing.text
    await people.piet.dm.no_bot_message()
    await people.anna.dm.no_bot_message()  # once, not again for every message
    assert chat.status(stranger) == "member"
    # Given the right, the bot takes them out after all.
    await sb.promote_bot(chat, by=people.piet, can_invite_users=True, can_restrict_members=True)
    await eventually(lambda: _status_is(chat, stranger, "left"))


# -- 2. and 3. decisions are checked when they are taken ------------------------------------


async def test_an_owner_cannot_let_in_someone_banned_since_they_asked(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    kees = sb.add_user("Kees", language_code="en")
    street = await neighbourhood(sb, people.anna, people.piet, kees)
    chat = await start_group(sb, street, people.piet, "Besloten", private=True)
    await _started(people.piet)
    await kees.request_join(invite_link_of(sb, chat))
    question = await people.piet.dm.next_bot_message()
    assert "Kees" in question.text
    said = await kees.send(street.chat, "iets vervelends")
    await people.anna.send(street.chat, "/ban", reply_to=said)
    await street.chat.next_bot_message()
    await people.piet.press(question, "Approve")
    await eventually(lambda: _no_request(sb, chat, kees))
    await eventually(lambda: _says(question, "banned"))
    assert chat.status(kees) != "member"
    async with db(bot) as session:
        request = await session.scalar(select(JoinRequest))
        assert request is not None and request.status == JoinRequestStatus.DECLINED


async def _no_request(sb: Sandbox, chat: Chat, user: User) -> bool:
    return (chat.id, user.id) not in sb.world.join_requests


async def _ask_the_question(sb: Sandbox, people: People, street: Street, chat: Chat) -> User:
    await people.anna.send(street.chat, '/settings join_question="Welke bakker zit op de hoek?"')
    await street.chat.next_bot_message()
    newcomer = sb.add_user("Nieuw", language_code="en")
    await newcomer.request_join(invite_link_of(sb, chat))
    assert "bakker" in (await newcomer.dm.next_bot_message()).text
    await newcomer.send(newcomer.dm, "Bakker Jansen")
    return newcomer


async def test_coordinators_cannot_let_in_someone_banned_since_they_answered(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street, chat = await _world(sb, people)
    await _started(people.anna)
    newcomer = await _ask_the_question(sb, people, street, chat)
    await newcomer.dm.next_bot_message()
    forwarded = await people.anna.dm.next_bot_message()
    home = await _home_id(bot)
    await people.anna.send(people.anna.dm, f"/ban {home} {newcomer.id}")
    assert "Nieuw" in (await people.anna.dm.next_bot_message()).text
    await people.anna.press(forwarded, "Toelaten")
    await eventually(lambda: _no_request(sb, chat, newcomer))
    await eventually(lambda: _says(forwarded, "verbannen"))
    assert chat.status(newcomer) != "member"


async def _home_id(app: BuurtApplication) -> int:
    async with db(app) as session:
        home = await session.scalar(select(Neighbourhood.id))
        assert home is not None
        return home


async def test_a_yes_to_the_join_question_leaves_an_invite_only_group_to_its_owner(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    chat = await start_group(sb, street, people.piet, "Besloten", private=True)
    await _started(people.anna, people.piet)
    newcomer = await _ask_the_question(sb, people, street, chat)
    await newcomer.dm.next_bot_message()
    forwarded = await people.anna.dm.next_bot_message()
    await people.anna.press(forwarded, "Toelaten")
    candidate = await people.piet.dm.next_bot_message()
    assert "Nieuw" in candidate.text and "know them as a neighbour" in candidate.text
    await eventually(lambda: _says(forwarded, "eigenaar"))  # the owner decides now
    assert (chat.id, newcomer.id) in sb.world.join_requests and chat.status(newcomer) == "left"
    await people.piet.press(candidate, "Approve")
    await eventually(lambda: _status_is(chat, newcomer, "member"))
    await chat.no_bot_message(timeout=0.5)  # let in by the owner: not taken out again
    assert chat.status(newcomer) == "member"


# -- 4. a join question with nobody to decide -----------------------------------------------


async def test_setup_asks_the_coordinators_to_open_a_chat(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    chat = sb.add_group("Kerklaan", members=[people.anna], admins=[people.anna], supergroup=True)
    await chat.add_bot(by=people.anna)
    await people.anna.send(chat, "/setup")
    welcome = await chat.next_bot_message()
    assert "Anna" in welcome.text and "coördinatoren" in welcome.text
    assert welcome.buttons[0][0]["url"] == "https://t.me/buurtbot_test?start=coordinator"
    await people.anna.start("coordinator")
    greeting = (await people.anna.dm.next_bot_message()).text
    assert "Anna" in greeting and "buurtbot" in greeting  # the greeting, nothing odd


async def test_an_answer_nobody_can_see_yet_waits_for_the_first_coordinator(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street, chat = await _world(sb, people)
    newcomer = await _ask_the_question(sb, people, street, chat)
    truth = await newcomer.dm.next_bot_message()
    assert "nobody" in truth.text and "coordinator opens a chat" in truth.text
    async with db(bot) as session:
        request = await session.scalar(select(JoinRequest))
        assert request is not None and request.answer == "Bakker Jansen"
        assert request.shown_at is None
    # Days pass: nobody could see it, so the 48 hours have not started.
    await run_round(services_of(bot), utcnow() + timedelta(days=3))
    assert (chat.id, newcomer.id) in sb.world.join_requests
    await people.anna.start()
    await people.anna.dm.next_bot_message()  # the greeting
    forwarded = await people.anna.dm.next_bot_message()
    assert "Bakker Jansen" in forwarded.text and "Nieuw" in forwarded.text
    await people.anna.press(forwarded, "Toelaten")
    await eventually(lambda: _status_is(chat, newcomer, "member"))
    async with db(bot) as session:
        request = await session.scalar(select(JoinRequest))
        assert request is not None and request.answer is None  # erased once decided
        assert request.status == JoinRequestStatus.APPROVED


async def test_a_shown_answer_expires_48_hours_after_it_was_shown(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street, chat = await _world(sb, people)
    newcomer = await _ask_the_question(sb, people, street, chat)
    await newcomer.dm.next_bot_message()
    async with db(bot) as session:
        request = await session.scalar(select(JoinRequest))
        assert request is not None
        request.created_at -= timedelta(days=5)  # answered long ago, seen by nobody
        await session.commit()
    await people.anna.start()
    await people.anna.dm.next_bot_message()
    shown = await people.anna.dm.next_bot_message()  # the kept answer, shown now
    await run_round(services_of(bot), utcnow() + timedelta(hours=47))
    assert (chat.id, newcomer.id) in sb.world.join_requests
    await run_round(services_of(bot), utcnow() + timedelta(hours=49))
    await eventually(lambda: _no_request(sb, chat, newcomer))
    # The question put to Anna does nothing now: it loses its buttons, and says why.
    await eventually(lambda: _says(shown, "Niemand heeft binnen 48 uur beslist"))
    assert shown.button_texts == []
    async with db(bot) as session:
        request = await session.scalar(select(JoinRequest))
        assert request is not None and request.answer is None


# -- 5. rights end when membership ends -----------------------------------------------------


@pytest.mark.parametrize("how", ["leaves", "is banned"])
async def test_a_coordinator_who_leaves_the_chat_loses_the_role(
    sb: Sandbox, people: People, bot: BuurtApplication, how: str
):
    kees = sb.add_user("Kees", language_code="en")
    street = await neighbourhood(sb, people.anna, people.piet, kees)
    await street.chat.promote(kees, by=people.anna)
    await people.anna.send(street.chat, f"/settings coordinators=+{kees.id}")
    await street.chat.next_bot_message()
    await _started(kees)
    home = await _home_id(bot)
    await kees.send(kees.dm, f"/settings {home}")
    assert "join_question" in (await kees.dm.next_bot_message()).text
    if how == "leaves":
        await street.chat.leave(kees)
    else:
        await street.chat.kick(kees, by=people.anna)
    await eventually(lambda: _no_coordinator(bot, kees))
    await kees.send(kees.dm, f"/settings {home} nudge_after_days=3")
    assert "don't know that command" in (await kees.dm.next_bot_message()).text
    await kees.send(kees.dm, f"/ban {home} {people.piet.id}")
    assert "don't know that command" in (await kees.dm.next_bot_message()).text
    assert street.chat.status(people.piet) == "member"


async def _no_coordinator(app: BuurtApplication, user: User) -> bool:
    async with db(app) as session:
        found = await session.scalar(select(Coordinator.id).where(Coordinator.user_id == user.id))
        return found is None


# -- 6. anonymous admins are not one person -------------------------------------------------


async def test_an_anonymous_admin_is_asked_to_act_as_themselves(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    await people.anna.send(street.chat, "/newgroup Geheim", anonymous=True)
    assert "als jezelf" in (await street.chat.next_bot_message()).text
    await people.anna.send(street.chat, "/ask iets", anonymous=True)
    assert "als jezelf" in (await street.chat.next_bot_message()).text
    async with db(bot) as session:
        assert await session.scalar(select(Group.id)) is None
    await people.anna.send(street.chat, "/requests", anonymous=True)  # harmless: answered
    assert "als jezelf" not in (await street.chat.next_bot_message()).text


async def test_an_anonymous_admin_cannot_link_a_group(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    reply = await ask_for_group(people.anna, street.chat, "Speeltuin")
    chat = sb.add_group("Speeltuin", members=[people.anna], admins=[people.anna])
    await chat.add_bot(by=people.anna)
    await people.anna.send(chat, f"/start@buurtbot_test {token_of(reply)}", anonymous=True)
    assert "als jezelf" in (await chat.next_bot_message()).text
    async with db(bot) as session:
        group = await session.scalar(select(Group))
        assert group is not None and group.chat_id is None


# -- 7. @username means its current holder --------------------------------------------------


async def test_a_username_means_whoever_holds_it_now(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street, chat = await _world(sb, people)
    old = sb.add_user("Oud", username="keesje")
    await street.chat.join(old)
    old.username = "oudekeesje"  # gives the name up; the bot does not see them again
    new = sb.add_user("Nieuw", username="keesje")
    await street.chat.join(new)
    await _started(new)
    await people.piet.send(chat, "/invite @keesje")
    assert "Nieuw" in (await chat.next_bot_message()).text
    assert "Boodschappen" in (await new.dm.next_bot_message()).text
