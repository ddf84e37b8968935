"""A newcomer meets the bot, and a chat admin turns a group chat into a neighbourhood."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.context import BuurtApplication
from models import Neighbourhood, Resident, User
from sandbox import Sandbox
from tests.e2e.conftest import People, db


async def _street(sb: Sandbox, people: People, title: str = "Kerklaan"):
    street = sb.add_group(title, members=[people.anna, people.piet], admins=[people.anna])
    await street.add_bot(by=people.anna)
    return street


async def _neighbourhood(app: BuurtApplication, chat_id: int) -> Neighbourhood | None:
    async with db(app) as session:
        return await session.scalar(select(Neighbourhood).where(Neighbourhood.chat_id == chat_id))


async def test_newcomer_gets_a_warm_welcome_in_their_language(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    await people.anna.start()
    welcome = await people.anna.dm.next_bot_message()
    assert "Hoi Anna!" in welcome.text and "/hulp" in welcome.text
    await people.piet.start()
    assert "Hello Piet!" in (await people.piet.dm.next_bot_message()).text
    async with db(bot) as session:
        anna = await session.get(User, people.anna.id)
        assert anna is not None and anna.started_at is not None


async def test_help_in_a_dm_lists_only_what_works_there(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    await people.piet.send(people.piet.dm, "/help")
    text = (await people.piet.dm.next_bot_message()).text
    assert "/start" in text and "/help" in text
    assert "/setup" not in text  # it only works in a group chat


async def test_help_in_a_group_shows_setup_to_admins_only(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await _street(sb, people)
    await people.piet.send(street, "/help")
    assert "/setup" not in (await street.next_bot_message()).text
    await people.anna.send(street, "/help@buurtbot_test")  # Anna reads Dutch
    assert "/aanmelden" in (await street.next_bot_message()).text


async def test_start_in_a_group_is_a_short_intro(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await _street(sb, people)
    await people.piet.send(street, "/start")
    intro = await street.next_bot_message()
    assert "/setup" in intro.text
    assert await _neighbourhood(bot, street.id) is None


async def test_admin_sets_up_a_neighbourhood_once(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await _street(sb, people)
    await people.anna.send(street, "/setup")
    welcome = await street.next_bot_message()
    assert "Kerklaan" in welcome.text and "buurt" in welcome.text
    # The bot is not an admin yet and privacy mode is on: it says how to fix that.
    assert "beheerder" in welcome.text
    neighbourhood = await _neighbourhood(bot, street.id)
    assert neighbourhood is not None and neighbourhood.active
    assert (neighbourhood.language, neighbourhood.timezone) == ("nl", "Europe/Amsterdam")

    await people.anna.send(street, "/setup")
    assert "al aangemeld" in (await street.next_bot_message()).text


async def test_setup_as_admin_of_a_bot_with_rights_has_no_warning(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await _street(sb, people)
    await sb.promote_bot(street, by=people.anna, can_invite_users=True, can_restrict_members=True)
    await people.anna.send(street, "/setup")
    assert "beheerder" not in (await street.next_bot_message()).text


async def test_non_admin_is_refused_politely(sb: Sandbox, people: People, bot: BuurtApplication):
    street = await _street(sb, people)
    await people.piet.send(street, "/setup")
    refusal = await street.next_bot_message()
    assert "Only an admin" in refusal.text  # Piet reads English
    assert await _neighbourhood(bot, street.id) is None


async def test_facilitator_may_set_up_a_chat_they_do_not_admin(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = sb.add_group("Dorpsstraat", members=[people.anna, people.fleur], admins=[people.anna])
    await street.add_bot(by=people.anna)
    await people.fleur.send(street, "/setup")
    assert "Dorpsstraat" in (await street.next_bot_message()).text
    neighbourhood = await _neighbourhood(bot, street.id)
    assert neighbourhood is not None
    async with db(bot) as session:
        # A facilitator is not a resident just because they set the chat up.
        residents = await session.scalars(select(Resident.user_id))
        assert people.fleur.id not in list(residents)


async def test_setup_in_a_dm_explains_where_to_run_it(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    await people.anna.send(people.anna.dm, "/setup")
    assert "groepschat" in (await people.anna.dm.next_bot_message()).text


@pytest.mark.parametrize(
    "title", ["<3 & Co <b>", "👵🏼 Hulp & Zo", "שכונה טובה", "حي <جميل>", "x" * 128]
)
async def test_any_chat_title_is_shown_safely(
    sb: Sandbox, people: People, bot: BuurtApplication, title: str
):
    street = await _street(sb, people, title=title)
    await people.anna.send(street, "/setup")
    welcome = await street.next_bot_message()  # the sandbox rejects malformed HTML
    assert title in welcome.text


async def test_setup_ignores_arguments_and_markup(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await _street(sb, people)
    await people.anna.send(street, "/setup <b>now</b> & " + "x" * 5000)
    assert "Kerklaan" in (await street.next_bot_message()).text


async def test_command_menus_are_published_per_scope_and_language(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    private_nl = sb.commands({"type": "all_private_chats"}, "nl")
    assert [c["command"] for c in private_nl][:2] == ["start", "hulp"]
    assert "aanmelden" not in [c["command"] for c in private_nl]
    assert private_nl[0]["description"] == "Welkom en wat ik kan"
    private_en = sb.commands({"type": "all_private_chats"}, "en")
    assert private_en[0]["description"] == "Welcome and what I can do"
    admins = sb.commands({"type": "all_chat_administrators"}, "nl")
    assert "aanmelden" in [c["command"] for c in admins]
    assert "setup" not in [c["command"] for c in sb.commands({"type": "all_group_chats"})]


async def test_an_anonymous_admin_may_set_up(sb: Sandbox, people: People, bot: BuurtApplication):
    street = await _street(sb, people)
    await people.anna.send(street, "/setup", anonymous=True)
    assert "Kerklaan" in (await street.next_bot_message()).text
    assert await _neighbourhood(bot, street.id) is not None
    async with db(bot) as session:  # the chat's admins, not the anonymous sender
        assert set(await session.scalars(select(Resident.user_id))) == {people.anna.id}
