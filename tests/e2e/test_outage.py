"""The database goes away while the bot runs: intake pauses, nothing is lost, it resumes.

PostgreSQL is reached through a small TCP relay that the test can cut, as a network
or database restart would: open connections die and new ones are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.config import Config
from models import Request
from sandbox import Sandbox
from tests.conftest import POSTGRES_URL
from tests.e2e.conftest import TOKEN, People, db, postgres_database, running
from tests.e2e.groups_world import neighbourhood

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs BUURTBOT_TEST_POSTGRES_URL")


class Relay:
    """Forwards TCP connections to the database until it is cut."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


@contextlib.asynccontextmanager
async def _database() -> AsyncIterator[tuple[str, Relay]]:
    """A database of its own, reached through a relay."""
    async with postgres_database() as direct:
        url = make_url(direct)
        relay = Relay(url.host or "127.0.0.1", url.port or 5432)
        await relay.start()
        try:
            yield url.set(port=relay.port).render_as_string(False), relay
        finally:
            await relay.cut()


async def test_a_database_outage_pauses_intake_and_loses_nothing(
    sb: Sandbox, people: People, tmp_path: Path
):
    async with _database() as (url, relay):
        config = Config.model_validate(
            {"telegram": {"token": TOKEN, "base_url": sb.base_url}, "database": {"url": url}}
        )
        async with running(sb, config) as app:
            street = await neighbourhood(sb, people.anna, people.piet)
            await relay.cut()
            await people.piet.send(street.chat, "/ask boodschappen tijdens de storing")
            with pytest.raises(AssertionError):
                await sb.idle(timeout=3)  # not acknowledged: it could not be stored
            await relay.start()  # the database is back
            card = await street.chat.next_bot_message(timeout=60)
            assert "tijdens de storing" in card.text
            async with db(app) as session:
                assert await session.scalar(select(func.count()).select_from(Request)) == 1
