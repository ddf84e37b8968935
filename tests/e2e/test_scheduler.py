"""The real timer nudging a quiet group through the sandbox, and rounds on a moved clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from bot.clock import ManualClock
from bot.context import BuurtApplication
from bot.outbox import Outbox
from bot.scheduler import run_round
from handlers.receipts import queue_nudge
from models import Group, Neighbourhood, deliveries, nudges
from models.entities import Nudge, NudgeStatus, OutboxMessage
from sandbox import Chat, Sandbox
from tests.conftest import utcnow
from tests.e2e.conftest import People, db, eventually, make_config, running
from tests.e2e.groups_world import neighbourhood, start_group
from transports.telegram.app import RATE_LIMIT_RETRIES, services_of


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

        assert (await run_round(services)).decided == 0  # linked just now
        clock.advance(timedelta(days=13))
        assert (await run_round(services)).decided == 0  # not quiet for long enough
        await chat.no_bot_message()

        clock.advance(timedelta(days=2))
        sb.advance_time(timedelta(days=15).total_seconds())  # the sandbox's dates keep up
        report = await run_round(services)
        assert (report.decided, report.sent) == (1, 1)
        nudge = await chat.next_bot_message()
        assert "15 dagen" in nudge.text  # counted on the bot's clock, not the wall's
        assert nudge.button_texts == ["Gaat nog door", "30 dagen uitstellen", "Sluit de groep af"]


def _sends_to(sb: Sandbox, chat: Chat) -> int:
    return len([c for c in sb.calls_to("sendMessage") if c.params.get("chat_id") == chat.id])


async def _nudges(app: BuurtApplication) -> list[tuple[str, int | None]]:
    async with db(app) as session:
        return [(n.status, n.message_id) for n in await session.scalars(select(Nudge))]


async def _outbox_empty(app: BuurtApplication) -> bool:
    async with db(app) as session:
        return not await session.scalar(select(func.count()).select_from(OutboxMessage))


async def test_a_nudge_whose_send_is_lost_is_not_sent_again(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    chat = await start_group(sb, street, people.piet, "Stil")
    await _quiet_for_two_weeks(bot, "Stil")
    before = _sends_to(sb, chat)
    # No answer that says whether it came through: it may be in the chat already.
    sb.fail_method("sendMessage", error_code=502, description="Bad Gateway", times=1)
    report = await run_round(services_of(bot))
    assert (report.decided, report.sent, report.failed) == (1, 1, 0)  # perhaps sent: sent
    await chat.no_bot_message(timeout=3)  # longer than the outbox's retry pause
    assert _sends_to(sb, chat) == before + 1  # tried once, never again
    assert await _nudges(bot) == [(NudgeStatus.SENT, None)]
    assert await _outbox_empty(bot)


async def test_a_nudge_tried_before_a_crash_is_settled_not_sent(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    chat = await start_group(sb, street, people.piet, "Stil")
    await _quiet_for_two_weeks(bot, "Stil")
    translator = services_of(bot).translator
    before = _sends_to(sb, chat)
    async with db(bot) as session:  # what a round left, killed during the nudge's call
        now = utcnow()
        await nudges.decide(session, now)
        (nudge,) = await nudges.claim(session, now)
        outbox = Outbox()
        queue_nudge(outbox, translator, nudge, by_round=True)
        await deliveries.add(session, outbox.rows, now=now)
        (row,) = outbox.rows
        row.attempts = 1  # its try was recorded before the call
        row.next_attempt_at = now  # and the lease of the process that made it is over
        await session.commit()
    await eventually(lambda: _outbox_empty(bot))
    assert await _nudges(bot) == [(NudgeStatus.SENT, None)]
    await chat.no_bot_message(timeout=1)
    assert _sends_to(sb, chat) == before
    later = utcnow() + nudges.CLAIM_TIMEOUT + timedelta(minutes=1)
    report = await run_round(services_of(bot), later)  # and no round takes it up
    assert (report.sent, report.failed) == (0, 0)
    assert _sends_to(sb, chat) == before


async def test_the_owner_hears_of_a_second_ignored_nudge_once_it_is_out(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    chat = await start_group(sb, street, people.piet, "Stil")
    await people.piet.start()
    await people.piet.dm.next_bot_message()
    await _quiet_for_two_weeks(bot, "Stil")
    async with db(bot) as session:  # one nudge went unanswered before
        await session.execute(update(Group).where(Group.title == "Stil").values(ignored_nudges=1))
        await session.commit()
    report = await run_round(services_of(bot))
    assert (report.sent, report.failed) == (1, 0)
    nudge = await chat.next_bot_message()
    assert "16 dagen" in nudge.text
    told = await people.piet.dm.next_bot_message()  # Piet reads English
    assert "Your group Stil has been quiet for 16 days and nobody answered" in told.text
    assert await _nudges(bot) == [(NudgeStatus.SENT, nudge.message_id)]


async def test_a_nudge_telegram_surely_did_not_take_is_tried_again(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    chat = await start_group(sb, street, people.piet, "Stil")
    await _quiet_for_two_weeks(bot, "Stil")
    # Too many at once, more often than the rate limiter waits out by itself: a 429 says
    # for sure that the message was not taken.
    tries = 1 + RATE_LIMIT_RETRIES
    sb.fail_method(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        parameters={"retry_after": 1},
        times=tries,
    )
    await run_round(services_of(bot))
    nudge = await chat.next_bot_message(timeout=15)
    assert "16 dagen" in nudge.text
    await eventually(lambda: _outbox_empty(bot))
    assert await _nudges(bot) == [(NudgeStatus.SENT, nudge.message_id)]
