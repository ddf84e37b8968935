"""Residents keep asking while the bot is killed again and again: no request may be lost.

`buurtbot run` is a real process here, killed with SIGKILL (no goodbye, as with a
power cut or the OOM killer) at random moments and started again. Afterwards every
/ask must have made exactly one request, and every request must have its card.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from models import database
from models.entities import Request
from sandbox import Chat, Sandbox, User
from tests.e2e.conftest import LOCK_TROUBLE, TOKEN, buurtbot_process

CHATS = 10
RESIDENTS_PER_CHAT = 2
ASKS = 500
KILLS = 5
ASKS_PER_SECOND = 20
#: The card of every ask must be out by then, or something was lost.
DRAIN_SECONDS = 240


def _config(sb: Sandbox, tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\nbase_url = "{sb.base_url}"\n'
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"\n'
        # Residents here ask far more than people do: neither brake may hide a loss.
        "[requests]\nmax_open_per_resident = 1000\n"
        "[limits]\ncommands_per_minute = 10000\n"
        "[scheduler]\ninterval_seconds = 86400\n"
        '[logging]\nlevel = "INFO"\n',
        encoding="utf-8",
    )
    return path


class Bot:
    """The bot's process, to be killed and started again."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.process: asyncio.subprocess.Process | None = None
        self.kills = 0

    async def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = await buurtbot_process(
                "run", "--config", str(self.config), stdout=output, stderr=output
            )

    async def kill_and_restart(self) -> None:
        assert self.process is not None
        self.process.kill()
        await self.process.wait()
        self.kills += 1
        await self.start()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), 30)


async def _neighbourhoods(sb: Sandbox) -> list[tuple[User, Chat]]:
    """Ten streets, each set up by its admin, with two residents who will ask."""
    askers: list[tuple[User, Chat]] = []
    for n in range(CHATS):
        admin = sb.add_user(f"Admin{n}", language_code="nl")
        residents = [sb.add_user(f"Buur{n}x{k}") for k in range(RESIDENTS_PER_CHAT)]
        street = sb.add_group(f"Straat {n}", members=[admin, *residents], admins=[admin])
        await street.add_bot(by=admin)
        await admin.send(street, "/setup")
        await street.next_bot_message(timeout=30)
        askers += [(resident, street) for resident in residents]
    return askers


async def _drained(sb: Sandbox, url: str, texts: list[str]) -> tuple[Counter[str], Counter[str]]:
    """Requests per ask text, and cards (messages with buttons) per ask text, once all are in."""
    engine = database.create_engine(url)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_SECONDS
    try:
        while True:
            async with database.sessionmaker(engine)() as session:
                counted = await session.execute(
                    select(Request.text, func.count()).group_by(Request.text)
                )
                rows: Counter[str] = Counter()
                for text, count in counted.all():
                    rows[text] = count
                carded = await session.scalar(
                    select(func.count()).where(Request.card_message_id.is_not(None))
                )
            cards = Counter(
                text
                for chat in sb.world.chats.values()
                for message in chat.bot_messages
                if message.reply_markup
                for text in texts
                if text in message.text
            )
            if (len(rows) == len(texts) and carded == sum(rows.values())) or loop.time() > deadline:
                return rows, cards
            await asyncio.sleep(1)
    finally:
        await engine.dispose()


async def _run(tmp_path: Path, faults: bool) -> str:
    """One chaos run; returns its figures. Fails if an ask was lost or stored twice."""
    rng = random.Random(2026 + faults)
    async with Sandbox(TOKEN, bot_username="buurtbot_test") as sb:
        bot = Bot(_config(sb, tmp_path), tmp_path / "bot.log")
        await bot.start()
        try:
            await sb.wait_polling(timeout=30)
            askers = await _neighbourhoods(sb)
            if faults:
                sb.inject_faults(0.10, seed=rng.randrange(1 << 30))
            texts = [f"boodschappen chaos{n:03d}" for n in range(ASKS)]
            duration = ASKS / ASKS_PER_SECOND
            kill_times = sorted(rng.uniform(0.05, 0.95) * duration for _ in range(KILLS))

            async def ask() -> None:
                for n, text in enumerate(texts):
                    resident, street = askers[n % len(askers)]
                    await resident.send(street, f"/ask {text}")
                    await asyncio.sleep(1 / ASKS_PER_SECOND)

            async def kill() -> None:
                started = asyncio.get_running_loop().time()
                for moment in kill_times:
                    await asyncio.sleep(
                        max(0.0, started + moment - asyncio.get_running_loop().time())
                    )
                    await bot.kill_and_restart()

            await asyncio.gather(ask(), kill())
            rows, cards = await _drained(sb, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", texts)
        finally:
            await bot.stop()
    lost = [text for text in texts if not rows[text]]
    twice = [text for text in texts if rows[text] > 1]
    uncarded = [text for text in texts if not cards[text]]
    duplicate_cards = sum(count - 1 for count in cards.values() if count > 1)
    assert bot.kills == KILLS
    assert not lost, f"asks without a request: {lost[:10]}"
    assert not twice, f"asks stored twice: {twice[:10]}"
    assert not uncarded, f"requests without a card: {uncarded[:10]}"
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert not [trouble for trouble in LOCK_TROUBLE if trouble in log]
    return (
        f"chaos ({'kills and faults' if faults else 'kills'}): {ASKS} asks sent, "
        f"{sum(rows.values())} requests stored, {len(lost)} lost, {len(twice)} stored twice, "
        f"{len(uncarded)} without a card, {duplicate_cards} duplicate cards, "
        f"{bot.kills} kills, faults injected {sb.faults_injected or 'none'}"
    )


async def test_no_ask_is_lost_when_the_bot_is_killed(tmp_path: Path):
    """Once with kills alone, once with kills and 10% faulty calls; side by side, to save time.

    Telegram takes 20 messages a minute per group, so 50 cards per chat take minutes
    whatever the bot does; the two runs share that wait.
    """
    for name in ("kills", "faults"):
        (tmp_path / name).mkdir()
    figures = await asyncio.gather(_run(tmp_path / "kills", False), _run(tmp_path / "faults", True))
    print("", *figures, sep="\n")  # the figures this test is for; shown with `pytest -s`
