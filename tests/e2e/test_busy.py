"""One busy chat stalls nobody, and faults repeat nothing and stop nothing."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from bot.context import BuurtApplication
from bot.outbox import Outbox
from bot.scheduler import run_round
from models import Request, database, deliveries
from models.entities import InboxUpdate, OutboxMessage
from sandbox import Chat, Sandbox, SentMessage, User
from tests.conftest import utcnow
from tests.e2e.conftest import People, db, eventually, make_config, running
from tests.e2e.groups_world import neighbourhood
from transports.telegram.app import services_of


async def _count(app: BuurtApplication, entity: type) -> int:
    async with db(app) as session:
        return int(await session.scalar(select(func.count()).select_from(entity)) or 0)


def _replies(sb: Sandbox, chat: Chat) -> list[int]:
    """Where each of the bot's messages to `chat` stands among all its sendMessage calls."""
    sends = [call for call in sb.calls if call.method == "sendMessage" and call.ok]
    return [n for n, call in enumerate(sends) if call.params.get("chat_id") == chat.id]


async def _busy_group(sb: Sandbox, people: People) -> tuple[Chat, list[User]]:
    """A street where four neighbours each send 20 commands in a moment."""
    neighbours = [sb.add_user(f"Buur{n}", language_code="nl") for n in range(4)]
    street = await neighbourhood(sb, people.anna, *neighbours)
    for _round in range(20):
        for neighbour in neighbours:
            await neighbour.send(street.chat, "/help")
    return street.chat, neighbours


# -- 1. head-of-line blocking ---------------------------------------------------------------


async def test_a_dm_is_answered_while_one_group_is_saturated(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    await people.piet.start()
    await people.piet.dm.next_bot_message()
    chat, _neighbours = await _busy_group(sb, people)
    await people.piet.send(people.piet.dm, "/help")
    await people.piet.dm.next_bot_message(timeout=15)
    dm = _replies(sb, people.piet.dm)[-1]
    before = [n for n in _replies(sb, chat) if n < dm]
    # 80 replies for one group wait for its 20 a minute; Piet's does not wait behind them.
    assert len(before) < 10, (dm, before)


# -- 2. fresh messages after a crash go out at once -----------------------------------------


async def test_after_a_crash_fresh_messages_do_not_wait_for_a_lease(
    sb: Sandbox, people: People, tmp_path: Path
):
    config = make_config(sb, tmp_path, [people.fleur.id])
    await people.piet.start()
    async with running(sb, config):
        await people.piet.dm.next_bot_message()  # the greeting; the database exists now
    # A process that died left 40 messages for Piet, their lease long over.
    engine = database.create_engine(config.database.url)
    async with database.sessionmaker(engine)() as session:
        outbox = Outbox()
        for n in range(40):
            outbox.send(people.piet.id, f"oud bericht {n}")
        await deliveries.add(session, outbox.rows, now=utcnow())
        for row in outbox.rows:
            row.next_attempt_at = utcnow() - timedelta(minutes=5)
        await session.commit()
    await engine.dispose()
    async with running(sb, config):
        await people.piet.send(people.piet.dm, "/help")
        started = time.monotonic()
        while True:
            latest = await people.piet.dm.next_bot_message(timeout=15)
            if "What you can do" in latest.text:
                break
        # Behind the 40 old ones (a second or two), not behind a 30 second lease.
        assert time.monotonic() - started < 15
        texts = [m.text for m in people.piet.dm.bot_messages]
        olds = [t for t in texts if t.startswith("oud bericht")]
        assert olds == [f"oud bericht {n}" for n in range(40)]  # in order, each once


# -- 3. stopping is quick -------------------------------------------------------------------


async def test_stopping_leaves_waiting_replies_in_the_outbox(
    sb: Sandbox, people: People, tmp_path: Path
):
    config = make_config(sb, tmp_path, [people.fleur.id])
    async with running(sb, config) as app:
        chat, _neighbours = await _busy_group(sb, people)

        async def handled() -> bool:
            async with db(app) as session:
                pending = await session.scalar(
                    select(func.count())
                    .select_from(InboxUpdate)
                    .where(InboxUpdate.state == "pending")
                )
                return pending == 0 and len(_replies(sb, chat)) >= 20

        await eventually(handled, timeout=20)
        started = time.monotonic()
    stopped = time.monotonic() - started
    assert stopped < 5, stopped  # not the minutes the group's budget would take
    sent = len(_replies(sb, chat))
    assert sent < 80
    async with running(sb, config) as again:
        assert await _count(again, OutboxMessage) > 0  # kept for this start
        await eventually(lambda: _more_sent(sb, chat, sent), timeout=10)


async def _more_sent(sb: Sandbox, chat: Chat, before: int) -> bool:
    return len(_replies(sb, chat)) > before


# -- 4. a database that reads but cannot write ----------------------------------------------


async def test_a_delivered_message_is_not_sent_again_while_its_delete_fails(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    await people.piet.start()
    await people.piet.dm.next_bot_message()
    async with db(bot) as session:
        await session.execute(
            text(
                "CREATE TRIGGER refuse_delete BEFORE DELETE ON outbox_message "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
        )
        await session.commit()
    await people.piet.send(people.piet.dm, "/help")
    reply = await people.piet.dm.next_bot_message()
    assert "What you can do" in reply.text
    await asyncio.sleep(3.5)  # three sweeps, each of which once sent the row again
    assert [m.text for m in people.piet.dm.bot_messages].count(reply.text) == 1
    assert not any("went wrong" in m.text for m in people.piet.dm.bot_messages)
    async with db(bot) as session:
        await session.execute(text("DROP TRIGGER refuse_delete"))
        await session.commit()

    async def outbox_empty() -> bool:
        return await _count(bot, OutboxMessage) == 0

    await eventually(outbox_empty)
    assert [m.text for m in people.piet.dm.bot_messages].count(reply.text) == 1


# -- 5. a full disk is an outage ------------------------------------------------------------


async def test_a_full_disk_pauses_intake_and_it_resumes(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    engine = services_of(bot).engine
    assert engine is not None
    async with engine.connect() as connection:  # SQLite's only connection: the bot's too
        pages = await connection.scalar(text("PRAGMA page_count"))
        await connection.execute(text(f"PRAGMA max_page_count = {pages}"))
    for n in range(10):  # more than fits (and as many as one may have open)
        await people.piet.send(street.chat, f"/ask klus {n} " + "x" * 400)
    await asyncio.sleep(2)
    assert not services_of(bot).intake.stopped.is_set()  # type: ignore[union-attr]
    async with engine.connect() as connection:
        await connection.execute(text("PRAGMA max_page_count = 1073741823"))
    await eventually(lambda: _requests(bot, 10), timeout=40)


async def _next_about(chat: Chat, fragment: str) -> SentMessage:
    """The next bot message there that mentions `fragment`, past any greeting."""
    while True:
        message = await chat.next_bot_message(timeout=15)
        if fragment in message.text:
            return message


async def _refused_once(sb: Sandbox) -> bool:
    return any(call.method == "sendMessage" and call.error_code == 502 for call in sb.calls)


def _noon_in_two_days() -> datetime:
    """Outside the neighbourhood's quiet hours, whenever the test runs."""
    local = (utcnow() + timedelta(days=2)).astimezone(ZoneInfo("Europe/Amsterdam"))
    return local.replace(hour=12, minute=0).astimezone(UTC)


async def _requests(app: BuurtApplication, n: int) -> bool:
    return await _count(app, Request) == n


# -- 7. supergroup migration ----------------------------------------------------------------


async def test_requests_and_waiting_messages_follow_a_supergroup_migration(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    chat = sb.add_group("Kerklaan", members=[people.anna, people.piet], admins=[people.anna])
    await chat.add_bot(by=people.anna)
    await sb.promote_bot(chat, by=people.anna, can_invite_users=True, can_restrict_members=True)
    await people.anna.send(chat, "/setup")
    await chat.next_bot_message()
    sb.fail_method("sendMessage", error_code=502, description="Bad Gateway", times=1)
    await people.piet.send(chat, "/ask boodschappen")  # its card waits for a retry
    await eventually(lambda: _refused_once(sb))
    supergroup = await chat.migrate_to_supergroup(by=people.anna)
    card = await _next_about(supergroup, "boodschappen")
    assert card.buttons
    async with db(bot) as session:
        request = await session.scalar(select(Request))
        assert request is not None and request.chat_id == supergroup.id
    await people.anna.send(supergroup, "/requests")
    listing = await _next_about(supergroup, "boodschappen")
    assert "#" in listing.text
    await run_round(services_of(bot), _noon_in_two_days())
    reminder = await _next_about(supergroup, "boodschappen")
    assert reminder.message_id > listing.message_id
