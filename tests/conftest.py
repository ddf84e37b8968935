"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from models import database

POSTGRES_URL = os.environ.get("BUURTBOT_TEST_POSTGRES_URL")


def pytest_configure(config: pytest.Config) -> None:
    # As `buurtbot run` does: PTB 22 warns on every 429 unless told to use timedeltas.
    os.environ.setdefault("PTB_TIMEDELTA", "1")


def utcnow() -> datetime:
    """The wall clock, for tests that set a scene in real time: the bot's own time is
    given to it (bot/clock.py), and nothing in it reads the wall clock itself."""
    return datetime.now(UTC)


BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
#: PostgreSQL connections per test engine: enough for the 50 transactions the claim race
#: holds open at once (the server allows 100).
POOL_SIZE = 50


@pytest.fixture(params=BACKENDS)
async def bare_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An empty database of each backend, thrown away after the test."""
    if request.param == "sqlite":
        engine = database.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        yield engine
        await engine.dispose()
        return
    assert POSTGRES_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = database.create_engine(POSTGRES_URL)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = database.create_engine(
        POSTGRES_URL,
        pool_size=POOL_SIZE,
        connect_args={"server_settings": {"search_path": schema}},
    )
    yield engine
    await engine.dispose()
    async with admin.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


@pytest.fixture
async def engine(bare_engine: AsyncEngine) -> AsyncEngine:
    await database.upgrade(bare_engine)
    return bare_engine


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with database.sessionmaker(engine)() as session:
        yield session
