"""A DM's reply while one group is saturated, beside the same reply with no busy group.

Four neighbours send 20 commands each in one group: far past the group's 20 replies a
minute, so its replies queue for minutes. Meanwhile one person asks /help in a DM,
one at a time, and the time to each reply is taken. The baseline is the same person,
in the same run, with the group quiet. Run it alone with `python -m bench.busy`.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.table import Row, met, show
from bot.config import Config
from sandbox import Chat, Sandbox, User
from transports.telegram.app import running

TOKEN = "123456:BENCH"
ASKS = 40
GOAL_MS = 200.0


async def _street(sb: Sandbox, admin: User, neighbours: list[User]) -> Chat:
    chat = sb.add_group("Kerklaan", members=[admin, *neighbours], admins=[admin], supergroup=True)
    await chat.add_bot(by=admin)
    await sb.promote_bot(chat, by=admin, can_invite_users=True, can_restrict_members=True)
    await admin.send(chat, "/setup")
    await chat.next_bot_message(timeout=10)
    return chat


async def _dm_latencies(person: User) -> list[float]:
    found = []
    for _ in range(ASKS):
        started = time.perf_counter()
        await person.send(person.dm, "/help")
        await person.dm.next_bot_message(timeout=60)
        found.append((time.perf_counter() - started) * 1000)
    return found


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


async def measure() -> tuple[list[float], list[float]]:
    async with Sandbox(TOKEN, bot_username="bench_bot") as sb:
        with tempfile.TemporaryDirectory() as folder:
            config = Config.model_validate(
                {
                    "telegram": {"token": TOKEN, "base_url": sb.base_url},
                    "database": {"url": f"sqlite+aiosqlite:///{Path(folder) / 'b.db'}"},
                    "scheduler": {"interval_seconds": 86400},
                    "limits": {"commands_per_minute": 10_000},  # one person, many asks
                }
            )
            admin = sb.add_user("Anna")
            neighbours = [sb.add_user(f"Buur{n}") for n in range(4)]
            piet = sb.add_user("Piet", language_code="nl")
            async with running(config):
                await sb.wait_polling()
                chat = await _street(sb, admin, neighbours)
                await piet.start()
                await piet.dm.next_bot_message(timeout=10)
                quiet = await _dm_latencies(piet)
                for _round in range(20):
                    for neighbour in neighbours:
                        await neighbour.send(chat, "/help")
                busy = await _dm_latencies(piet)
    return quiet, busy


async def rows() -> list[Row]:
    quiet, busy = await measure()
    ratio = _p99(busy) / _p99(quiet)
    return [
        Row(
            "DM reply, no busy group",
            "baseline",
            f"p50 {statistics.median(quiet):.0f} ms, p99 {_p99(quiet):.0f} ms",
        ),
        Row(
            "DM reply, one group saturated",
            f"p99 < {GOAL_MS:.0f} ms",
            f"p50 {statistics.median(busy):.0f} ms, p99 {_p99(busy):.0f} ms",
            f"{met(_p99(busy) < GOAL_MS)}, {ratio:.1f}x the baseline",
        ),
    ]


async def main() -> None:
    show("A DM while one group is saturated", await rows())


if __name__ == "__main__":
    asyncio.run(main())
