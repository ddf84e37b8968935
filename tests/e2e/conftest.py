"""End-to-end fixtures: the real Application, polling the sandbox over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Config
from bot.context import BuurtApplication
from models import database
from sandbox import Sandbox, User
from tests.conftest import BACKENDS, POSTGRES_URL
from transports.telegram.app import running as app_running
from transports.telegram.app import services_of

TOKEN = "123456:TEST-TOKEN"
BOT_USERNAME = "buurtbot_test"


@dataclass
class People:
    anna: User  # admin of the street chat
    piet: User  # an ordinary neighbour
    fleur: User  # a facilitator, configured by user id


#: What concurrent transactions must never run into, on SQLite or PostgreSQL.
LOCK_TROUBLE = ("database is locked", "deadlock detected")


@pytest.fixture(autouse=True)
def _no_lock_trouble(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Updates are handled concurrently: no test may meet a locked database or a deadlock."""
    yield
    for record in caplog.records:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        assert not any(trouble in text for trouble in LOCK_TROUBLE), text


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(token=TOKEN, bot_username=BOT_USERNAME) as sandbox:
        yield sandbox


@pytest.fixture
def people(sb: Sandbox) -> People:
    return People(
        anna=sb.add_user("Anna", language_code="nl", username="anna"),
        piet=sb.add_user("Piet", language_code="en"),
        fleur=sb.add_user("Fleur", language_code="nl"),
    )


def make_config(
    sb: Sandbox, tmp_path: Path, facilitators: list[int], url: str | None = None
) -> Config:
    return Config.model_validate(
        {
            "telegram": {"token": TOKEN, "base_url": sb.base_url},
            "database": {"url": url or f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"},
            "facilitators": {"user_ids": facilitators},
            "groups": {"max_per_resident": 3, "payload_wait_seconds": 1.5},
        }
    )


@contextlib.asynccontextmanager
async def running(
    sb: Sandbox, config: Config, *, clock: Clock | None = None
) -> AsyncIterator[BuurtApplication]:
    """The bot against the sandbox; on real time, or on a clock the test moves itself."""
    async with app_running(config, clock=clock) as app:
        # Telegram applies allowed_updates from the first poll on; act only after it.
        await sb.wait_polling()
        yield app


@pytest.fixture
async def bot(sb: Sandbox, people: People, tmp_path: Path) -> AsyncIterator[BuurtApplication]:
    async with running(sb, make_config(sb, tmp_path, [people.fleur.id])) as app:
        yield app


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A PostgreSQL database of its own, as the bot would get one, dropped afterwards."""
    assert POSTGRES_URL is not None
    name = f"e2e_{uuid.uuid4().hex[:10]}"
    admin = database.create_engine(POSTGRES_URL)
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(False)
    finally:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(params=BACKENDS)
async def bot_on_each_database(
    request: pytest.FixtureRequest, sb: Sandbox, people: People, tmp_path: Path
) -> AsyncIterator[BuurtApplication]:
    """The bot on SQLite, and on PostgreSQL too when a server is configured: for what
    the two decide differently, such as how large a number a column takes."""
    async with contextlib.AsyncExitStack() as stack:
        url = None
        if request.param == "postgresql":
            url = await stack.enter_async_context(postgres_database())
        config = make_config(sb, tmp_path, [people.fleur.id], url)
        yield await stack.enter_async_context(running(sb, config))


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Poll `check` until it holds: for effects that produce no message to wait on."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{check.__name__} did not hold within {timeout}s")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def db(app: BuurtApplication) -> AsyncIterator[AsyncSession]:
    """A session on the bot's own database, for looking at what it stored."""
    sessionmaker = services_of(app).sessionmaker
    assert sessionmaker is not None
    async with sessionmaker() as session:
        yield session


def buurtbot_process(
    *args: str,
    stdout: Any,
    stderr: Any,
    token: str = TOKEN,
    extra_env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Awaitable[asyncio.subprocess.Process]:
    """`buurtbot <args>` as a real process, with nothing from our environment but PATH.

    It imports this tree's code from any working directory.
    """
    env = {
        "BUURTBOT_TELEGRAM_TOKEN": token,
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(Path(__file__).parents[2]),
        **(extra_env or {}),
    }
    return asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, stdout=stdout, stderr=stderr, env=env, cwd=cwd
    )
