"""The bot keeps track of who lives in a neighbourhood, and follows the chat through changes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from bot.context import BuurtApplication
from models import Neighbourhood, Resident
from sandbox import Chat, Sandbox
from tests.e2e.conftest import People, db, eventually, make_config, running


async def _neighbourhood_chat(sb: Sandbox, people: People, *, admin_bot: bool = True) -> Chat:
    street = sb.add_group("Kerklaan", members=[people.anna, people.piet], admins=[people.anna])
    await street.add_bot(by=people.anna)
    if admin_bot:
        await sb.promote_bot(
            street, by=people.anna, can_invite_users=True, can_restrict_members=True
        )
    await people.anna.send(street, "/setup")
    await street.next_bot_message()
    return street


def _residents_of(app: BuurtApplication, chat_id: int, *, current: bool = True):
    async def check_ids() -> set[int]:
        async with db(app) as session:
            query = (
                select(Resident.user_id).join(Neighbourhood).where(Neighbourhood.chat_id == chat_id)
            )
            if current:
                query = query.where(Resident.left_at.is_(None))
            return set(await session.scalars(query))

    return check_ids


async def test_residents_are_recorded_from_messages_joins_and_leaves(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await _neighbourhood_chat(sb, people)
    residents = _residents_of(bot, street.id)

    async def setup_admin_is_resident() -> bool:
        return await residents() == {people.anna.id}

    await eventually(setup_admin_is_resident)

    await people.piet.send(street, "Goedemorgen allemaal!")

    async def piet_is_resident() -> bool:
        return people.piet.id in await residents()

    await eventually(piet_is_resident)

    kees = sb.add_user("Kees", language_code="nl")
    await street.join(kees)

    async def kees_is_resident() -> bool:
        return kees.id in await residents()

    await eventually(kees_is_resident)

    await street.leave(kees)
    await street.kick(people.piet, by=people.anna)

    async def both_gone() -> bool:
        return await residents() == {people.anna.id}

    await eventually(both_gone)
    everyone = _residents_of(bot, street.id, current=False)
    assert await everyone() == {people.anna.id, people.piet.id, kees.id}


async def test_no_one_is_recorded_in_a_chat_that_is_not_a_neighbourhood(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    other = sb.add_group("Voetbal", members=[people.anna, people.piet], admins=[people.anna])
    await other.add_bot(by=people.anna)
    await people.piet.send(other, "Hallo")
    await people.piet.send(other, "/start")
    await other.next_bot_message()  # handled in order, so the plain message was handled too
    async with db(bot) as session:
        assert list(await session.scalars(select(Resident))) == []


async def test_a_kicked_bot_deactivates_the_neighbourhood_and_setup_revives_it(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await _neighbourhood_chat(sb, people)
    await street.remove_bot(by=people.anna)

    async def inactive() -> bool:
        async with db(bot) as session:
            found = await session.scalar(
                select(Neighbourhood).where(Neighbourhood.chat_id == street.id)
            )
            return found is not None and not found.active

    await eventually(inactive)
    await street.add_bot(by=people.anna)
    await people.anna.send(street, "/setup")
    assert "Kerklaan" in (await street.next_bot_message()).text
    async with db(bot) as session:
        found = await session.scalar(
            select(Neighbourhood).where(Neighbourhood.chat_id == street.id)
        )
        assert found is not None and found.active


async def test_the_neighbourhood_follows_a_supergroup_migration(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await _neighbourhood_chat(sb, people)
    supergroup = await street.migrate_to_supergroup(by=people.anna)

    async def moved() -> bool:
        async with db(bot) as session:
            ids = set(await session.scalars(select(Neighbourhood.chat_id)))
            return ids == {supergroup.id}

    await eventually(moved)
    await people.piet.send(supergroup, "Hallo vanuit de supergroep")
    await eventually(lambda: _contains(_residents_of(bot, supergroup.id), people.piet.id))
    await people.anna.send(supergroup, "/setup")
    assert "al aangemeld" in (await supergroup.next_bot_message()).text


async def _contains(residents, user_id: int) -> bool:
    return user_id in await residents()


async def test_a_failing_update_is_rolled_back_and_answered_kindly(
    sb: Sandbox, people: People, bot: BuurtApplication, caplog
):
    street = await _neighbourhood_chat(sb, people)
    async with db(bot) as session:  # break the database under the running bot
        await session.execute(text("DROP TABLE resident"))
        await session.commit()
    await people.piet.send(street, "/setup")
    apology = await street.next_bot_message()
    assert "Sorry" in apology.text
    assert any(record.exc_info for record in caplog.records if record.levelname == "ERROR")
    # The bot keeps running for everything that does not need the broken table.
    await people.piet.start()
    assert "Hello Piet" in (await people.piet.dm.next_bot_message()).text


async def test_failing_command_menus_do_not_stop_the_bot(
    sb: Sandbox, people: People, tmp_path: Path
):
    sb.fail_method("setMyCommands", error_code=500, description="Internal Server Error")
    async with running(sb, make_config(sb, tmp_path, [])):
        await people.anna.start()
        assert "Hoi Anna" in (await people.anna.dm.next_bot_message()).text
    assert sb.calls_to("setMyCommands")
    assert all(not call.ok for call in sb.calls_to("setMyCommands"))
