"""Benchmarks for the scheduler: selecting due nudges, and a round of 1,000 nudges.

    python -m bench.nudges            (part of: make bench)

Figures are reported, never asserted; each has its baseline or floor measured
or computed in the same run, because absolute timings on shared machines vary.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.table import Row, met, show
from bot.config import Config
from bot.scheduler import run_round
from models import Group, GroupStatus, Neighbourhood, User, database
from sandbox import Sandbox
from transports.telegram.app import running, services_of

TOKEN = "123456:BENCH"
SELECT_GROUPS = 100_000
DUE_SHARE = 0.01
ROUND_NUDGES = 1_000
TELEGRAM_RATE = 30  # messages per second overall


async def _seed(session: AsyncSession, count: int, due: int, chat_ids: list[int]) -> None:
    """Groups as the domain makes them (entities, not hand-written SQL), in bulk."""
    now = datetime.now(UTC)
    home = Neighbourhood(
        chat_id=-1,
        title="Bench",
        language="nl",
        timezone="Europe/Amsterdam",
        created_by=1,
        quiet_start="00:00",
        quiet_end="00:00",
        created_at=now,
    )
    session.add_all([home, User(id=1, first_name="Owner", first_seen_at=now)])
    await session.flush()
    batch = []
    for n in range(count):
        is_due = n < due
        batch.append(
            Group(
                neighbourhood_id=home.id,
                owner_id=1,
                title=f"Groep {n}",
                status=GroupStatus.ACTIVE,
                chat_id=chat_ids[n] if chat_ids else -1_000_000 - n,
                created_at=now - timedelta(days=30),
                expires_at=now - timedelta(days=28),
                linked_at=now - timedelta(days=30),
                last_activity_at=now - timedelta(days=20 if is_due else 1),
                nudge_due_at=now - timedelta(days=6) if is_due else now + timedelta(days=13),
            )
        )
        if len(batch) == 5_000:
            session.add_all(batch)
            await session.flush()
            batch = []
    session.add_all(batch)
    await session.commit()


async def selection() -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        engine = database.create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'b.db'}")
        await database.upgrade(engine)
        async with database.sessionmaker(engine)() as session:
            await _seed(session, SELECT_GROUPS, int(SELECT_GROUPS * DUE_SHARE), [])
        now = datetime.now(UTC)
        due = (  # the query models.nudges.decide runs (less its row locks)
            select(Group)
            .where(Group.status == GroupStatus.ACTIVE, Group.nudge_due_at <= now)
            .order_by(Group.nudge_due_at)
            .limit(2000)
        )
        compiled = str(due.compile(engine.sync_engine, compile_kwargs={"literal_binds": True}))
        timings, scans = [], []
        async with engine.connect() as connection:
            plan = (await connection.execute(text("EXPLAIN QUERY PLAN " + compiled))).all()
            found = len((await connection.execute(due)).all())
            unindexed = compiled.replace('FROM "group"', 'FROM "group" NOT INDEXED')
            for _ in range(20):
                started = time.perf_counter()
                await connection.execute(due)
                timings.append(time.perf_counter() - started)
                started = time.perf_counter()
                await connection.execute(text(unindexed))
                scans.append(time.perf_counter() - started)
        await engine.dispose()
    median, scan = statistics.median(timings), statistics.median(scans)
    plan_text = "; ".join(str(row[-1]) for row in plan)
    return [
        Row(
            f"select due nudges: {SELECT_GROUPS:,} groups, {found:,} due (SQLite)",
            "< 100 ms",
            f"{median * 1000:.1f} ms (median of 20)",
            f"{met(median < 0.1)}; index off: {scan * 1000:.1f} ms ({scan / median:.0f}x)",
        ),
        Row("  query plan", "uses an index", plan_text, met("USING INDEX" in plan_text)),
    ]


async def delivery() -> list[Row]:
    async with Sandbox(TOKEN, bot_username="bench_bot", flood_control=True) as sb:
        owner = sb.add_user("Owner")
        # Several residents take turns: one person sending 5 commands a second would
        # (rightly) be slowed down by the bot's per-person brake.
        residents = [sb.add_user(f"Resident {n}") for n in range(20)]
        chats = [
            sb.add_group(f"G{n}", members=[owner], admins=[owner]) for n in range(ROUND_NUDGES)
        ]
        for chat in chats:
            await chat.add_bot(by=owner)
        sb.world.updates.drop_all()  # the bot needs not hear about the setup
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'd.db'}"
            engine = database.create_engine(url)
            await database.upgrade(engine)
            async with database.sessionmaker(engine)() as session:
                await _seed(session, ROUND_NUDGES, ROUND_NUDGES, [c.id for c in chats])
            await engine.dispose()
            config = Config.model_validate(
                {
                    "telegram": {"token": TOKEN, "base_url": sb.base_url},
                    "database": {"url": url},
                    "scheduler": {"interval_seconds": 86400},
                }
            )
            async with running(config) as app:
                await sb.wait_polling()
                before = sb.flood_rejections
                started = time.perf_counter()
                round_task = asyncio.create_task(run_round(services_of(app)))
                latencies = []
                turn = 0
                while not round_task.done():  # residents keep talking meanwhile
                    resident = residents[turn % len(residents)]
                    turn += 1
                    sent = time.perf_counter()
                    await resident.send(resident.dm, "/start")
                    await resident.dm.next_bot_message(timeout=30)
                    latencies.append(time.perf_counter() - sent)
                    await asyncio.sleep(0.2)
                report = await round_task
                duration = time.perf_counter() - started
        rejected = sb.flood_rejections - before
    floor = ROUND_NUDGES / TELEGRAM_RATE
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    # Telegram's 30 a second is for everything the bot sends: residents' replies count too.
    replies = len(latencies)
    total_rate = (report.sent + replies) / duration
    return [
        Row(
            f"nudge round: {ROUND_NUDGES:,} nudges, flood control on",
            ">= 28.5 msg/s",
            f"{report.sent} sent, {report.failed} failed in {duration:.1f} s "
            f"(floor {floor:.1f} s); {report.sent / duration:.1f} nudges/s "
            f"+ {replies / duration:.1f} replies/s = {total_rate:.1f} msg/s",
            f"{total_rate / TELEGRAM_RATE:.2f}x the limit, {met(total_rate >= 28.5)}",
        ),
        Row("  429s from the sandbox", "0", str(rejected), met(rejected == 0)),
        Row(
            "  residents' replies during the round",
            "p99 < 100 ms",
            f"p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
            f"({replies} replies)",
            met(p99 < 0.1),
        ),
    ]


async def rows() -> list[Row]:
    return [*await selection(), *await delivery()]


if __name__ == "__main__":
    show("Scheduler", asyncio.run(rows()))
