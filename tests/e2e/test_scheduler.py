"""The real timer nudging a quiet group through the sandbox, and rounds on a moved clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.app import services_of
from bot.clock import ManualClock
from bot.context import BuurtApplication
from bot.scheduler import run_round
from models import Group, Neighbourhood
from sandbox import Sandbox
from tests.conftest import utcnow
from tests.e2e.conftest import People, db, eventually, make_config, running
from tests.e2e.groups_world import neighbourhood, start_group


async def _quiet_for_two_weeks(app: BuurtApplication, title: str) -> None:
    async with db(app) as session:
        # No quiet hours for this test, whatever the hour in Amsterdam.
        await session.execute(update(Neighbourhood).values(quiet_start="00:00", quiet_end="00:00"))
        await session.execute(
            update(Group)
            .where(Group.title == title)
            .values(
                last_activity_at=utcnow() - timedelta(days=16),
                nudge_due_at=utcnow() - timedelta(days=2),
            )
        )
        await session.commit()


async def test_a_quiet_group_is_nudged_and_answers(sb: Sandbox, people: People, tmp_path: Path):
    config = make_config(sb, tmp_path, [])
    config = config.model_copy(
        update={"scheduler": config.scheduler.model_copy(update={"interval_seconds": 0.3})}
    )
    async with running(sb, config) as app:
        street = await neighbourhood(sb, people.anna, people.piet)
        chat = await start_group(sb, street, people.piet, "Stil")
        await _quiet_for_two_weeks(app, "Stil")
        nudge = await chat.next_bot_message(timeout=10)
        assert "16 dagen" in nudge.text  # the neighbourhood speaks Dutch
        assert nudge.button_texts == ["Gaat nog door", "30 dagen uitstellen", "Sluit de groep af"]
        await people.piet.press(nudge, "Gaat nog door")

        async def answered() -> bool:
            return nudge.button_texts == []

        await eventually(answered)
        await chat.no_bot_message(timeout=1.0)  # several rounds later: no second nudge

        await _quiet_for_two_weeks(app, "Stil")
        second = await chat.next_bot_message(timeout=10)
        await people.piet.press(second, "Sluit de groep af")
        confirm = await chat.next_bot_message()
        assert "Ja, sluit af" in confirm.button_texts  # the group speaks Dutch, as Piet's chat


async def test_whoever_takes_an_offer_is_reminded_of_it_as_an_offer(
    sb: Sandbox, people: People, tmp_path: Path
):
    config = make_config(sb, tmp_path, [])
    config = config.model_copy(
        update={"scheduler": config.scheduler.model_copy(update={"interval_seconds": 0.3})}
    )
    async with running(sb, config) as app:
        anna, jan = people.anna, sb.add_user("Jan", language_code="nl")
        street = await neighbourhood(sb, anna, jan)
        async with db(app) as session:
            await session.execute(
                update(Neighbourhood).values(quiet_start="00:00", quiet_end="00:00")
            )
            await session.commit()
        await jan.start()
        await jan.dm.next_bot_message()
        await anna.send(street.chat, "/offer soep voor morgen")
        card = await street.chat.next_bot_message()
        await jan.press(card, "Dat wil ik graag")
        reminder = await jan.dm.next_bot_message(timeout=10)
        assert reminder.text == "Een herinnering: morgen krijg je “soep voor morgen” van Anna."


async def test_moving_the_clock_on_moves_the_bot_on(sb: Sandbox, people: People, tmp_path: Path):
    """Nothing is made to look old: the bot lives two weeks on its clock, and nudges."""
    clock = ManualClock()
    async with running(sb, make_config(sb, tmp_path, []), clock=clock) as app:
        street = await neighbourhood(sb, people.anna, people.piet)
        chat = await start_group(sb, street, people.piet, "Stil")
        async with db(app) as session:
            # No quiet hours for this test, whatever the hour in Amsterdam.
            await session.execute(
                update(Neighbourhood).values(quiet_start="00:00", quiet_end="00:00")
            )
            group = await session.scalar(select(Group).where(Group.title == "Stil"))
            await session.commit()
        assert group is not None and group.last_activity_at == clock.now()  # its own moment
        services = services_of(app)

        assert (await run_round(services, app.bot)).decided == 0  # linked just now
        clock.advance(timedelta(days=13))
        assert (await run_round(services, app.bot)).decided == 0  # not quiet for long enough
        await chat.no_bot_message()

        clock.advance(timedelta(days=2))
        sb.advance_time(timedelta(days=15).total_seconds())  # the sandbox's dates keep up
        report = await run_round(services, app.bot)
        assert (report.decided, report.sent) == (1, 1)
        nudge = await chat.next_bot_message()
        assert "15 dagen" in nudge.text  # counted on the bot's clock, not the wall's
        assert nudge.button_texts == ["Gaat nog door", "30 dagen uitstellen", "Sluit de groep af"]
