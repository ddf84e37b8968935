"""One worker per database: a second `buurtbot run` waits, takes over, and never exits."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.sole import advisory_key
from models import database
from sandbox import Sandbox
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.e2e.conftest import (
    BOT_USERNAME,
    TOKEN,
    People,
    buurtbot_process,
    postgres_database,
)

WAITING = "another worker holds the database; waiting to take over"
TOOK_OVER = "this worker now holds the database"
STARTED = "starting in polling mode"


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    async with postgres_database() as url:
        yield url


class Worker:
    """`buurtbot run` as a process of its own, against one sandbox, with its log in a file."""

    def __init__(self, sb: Sandbox, url: str, folder: Path) -> None:
        folder.mkdir()
        self.config, self.log = folder / "config.toml", folder / "bot.log"
        self.config.write_text(
            f'[telegram]\nbase_url = "{sb.base_url}"\n'
            f'[database]\nurl = "{url}"\nmigrate_on_start = true\n',
            encoding="utf-8",
        )
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("wb") as output:
            self.process = await buurtbot_process(
                "run", "--config", str(self.config), stdout=output, stderr=output
            )

    def said(self, line: str) -> int:
        return self.log.read_text().count(line)

    async def until_said(self, line: str, timeout: float = 30) -> None:  # noqa: ASYNC109
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.said(line):
            assert self.process is not None and self.process.returncode is None, self.output()
            assert asyncio.get_running_loop().time() < deadline, self.output()
            await asyncio.sleep(0.05)

    async def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout=20)

    def output(self) -> str:
        return self.log.read_text()


@contextlib.asynccontextmanager
async def workers(*pairs: tuple[Sandbox, Path], url: str) -> AsyncIterator[list[Worker]]:
    started = [Worker(sb, url, folder) for sb, folder in pairs]
    try:
        yield started
    finally:
        for worker in started:
            if worker.process is not None and worker.process.returncode is None:
                worker.process.kill()
                await worker.process.wait()


async def test_a_second_worker_waits_for_the_first_and_then_takes_over(
    database_url: str, sb: Sandbox, people: People, tmp_path: Path
):
    anna, piet = people.anna, people.piet
    async with workers(
        (sb, tmp_path / "one"), (sb, tmp_path / "two"), (sb, tmp_path / "three"), url=database_url
    ) as (first, second, third):
        await first.start()
        await sb.wait_polling(timeout=30)
        await second.start()
        await second.until_said(WAITING)
        await anna.start()
        assert "Hoi Anna" in (await anna.dm.next_bot_message(timeout=10)).text
        # Had the waiting worker polled too, Telegram would have told the first one 409.
        assert STARTED not in second.output()
        assert second.said(WAITING) == 1  # said once, not at every try

        assert await first.stop() == 0
        await piet.start()  # whoever polls next gets it: only the second worker is left
        assert "Hello Piet" in (await piet.dm.next_bot_message(timeout=30)).text
        assert second.said(TOOK_OVER) == 1 and second.said(STARTED) == 1

        # A worker stopped while it waits exits at once, and cleanly.
        await third.start()
        await third.until_said(WAITING)
        assert await third.stop() == 0
        assert await second.stop() == 0
    for worker in (first, second, third):
        assert "Traceback" not in worker.output()


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs BUURTBOT_TEST_POSTGRES_URL")
async def test_a_worker_that_loses_its_lock_connection_stops_handling_and_waits(
    tmp_path: Path,
):
    async with (
        postgres_database() as url,
        Sandbox(TOKEN, bot_username=BOT_USERNAME) as sb,
    ):
        anna = sb.add_user("Anna", language_code="nl")
        other = database.create_engine(url)
        async with workers((sb, tmp_path / "one"), url=url) as (worker,), other.connect() as rival:
            await worker.start()
            await sb.wait_polling(timeout=30)
            await rival.execution_options(isolation_level="AUTOCOMMIT")
            key = advisory_key(
                *(await rival.execute(text("SELECT current_database(), current_schema()"))).one()
            )
            # The holder's connection ends, and someone else takes the lock at once.
            ended = await rival.scalar(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
            assert ended
            await rival.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            await worker.until_said("lost the database lock")
            await worker.until_said(WAITING)
            polls = len(sb.calls_to("getUpdates"))
            await anna.start()
            await asyncio.sleep(2)  # two of the waiting worker's tries
            assert len(sb.calls_to("getUpdates")) == polls, "it went on polling without the lock"
            assert sb.calls_to("sendMessage") == []

            await rival.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            assert "Hoi Anna" in (await anna.dm.next_bot_message(timeout=30)).text
            assert worker.said(TOOK_OVER) == 1
            assert await worker.stop() == 0
        await other.dispose()
    assert "Traceback" not in worker.output()
