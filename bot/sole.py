"""One worker per database: a second `buurtbot run` waits its turn instead of sending twice.

The outbox has no claim in the database, so two processes on one database could both
send a row, and per-chat order holds only within a process. Until several workers are
supported, a worker holds a lock for as long as it handles anything:

- PostgreSQL: an advisory lock on a connection of its own. The server lets go of it when
  that connection ends, so losing the connection means another worker may take over:
  `lost` is set at once and the worker must stop handling.
- SQLite: an flock on a file beside the database. The kernel lets go of it when the
  process ends, however it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from models import database
from models.database import is_outage

log = logging.getLogger(__name__)

#: How often a waiting worker tries the lock, and a holding one checks its connection.
POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 5.0


def advisory_key(database_name: str, schema: str) -> int:
    """The lock's key. Advisory locks are per database and schemas share them: it names both."""
    digest = hashlib.blake2b(f"buurtbot {database_name} {schema}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


class SoleWorker:
    """The right to handle this database's updates; `acquire` waits until no one else has it."""

    def __init__(
        self, url: str, *, poll: float = POLL_SECONDS, heartbeat: float = HEARTBEAT_SECONDS
    ) -> None:
        self._url, self._poll, self._heartbeat = url, poll, heartbeat
        #: Set when the lock may have gone to someone else: stop handling at once.
        self.lost = asyncio.Event()
        self._fd: int | None = None
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        self._watch: asyncio.Task[None] | None = None
        self._key = 0

    async def acquire(self, *, patient: bool = False) -> None:
        """Wait for the lock. A database that cannot be reached raises, unless `patient`:
        at start that is the operator's to fix, after a lost lock it is an outage."""
        self.lost = asyncio.Event()
        told = False
        while True:
            try:
                if await self._try():
                    break
                reason = "another worker holds the database"
            except Exception as exc:
                await self._let_go()
                if not (patient and is_outage(exc)):
                    raise
                reason = f"the database cannot be reached ({exc.__class__.__name__})"
            if not told:
                log.warning("%s; waiting to take over", reason)
                told = True
            await asyncio.sleep(self._poll)
        if told:
            log.warning("this worker now holds the database")

    async def release(self) -> None:
        await self._let_go()

    async def _try(self) -> bool:
        url = make_url(self._url)
        if url.get_backend_name() == "sqlite":
            return self._try_flock(url.database)
        return await self._try_advisory()

    def _try_flock(self, path: str | None) -> bool:
        if not path or path == ":memory:" or "mode=memory" in self._url:
            return True  # a database in memory belongs to this process alone
        if self._fd is None:
            self._fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    async def _try_advisory(self) -> bool:
        if self._connection is None:
            # Autocommit: a transaction open for days would hold back the server's cleanup.
            self._engine = database.create_engine(
                self._url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
            )
            self._connection = await self._engine.connect()
            raw = await self._connection.get_raw_connection()
            assert raw.driver_connection is not None
            raw.driver_connection.add_termination_listener(self._on_termination)
            row = (
                await self._connection.execute(text("SELECT current_database(), current_schema()"))
            ).one()
            self._key = advisory_key(row[0], row[1])  # asked once a connection, not each try
        held = await self._connection.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
        )
        if held:
            self._watch = asyncio.create_task(self._keep_watch(), name="database lock watch")
        return bool(held)

    def _on_termination(self, _connection: Any) -> None:
        self.lost.set()

    async def _keep_watch(self) -> None:
        """A connection that silently went away is noticed by asking: the server may
        already have given the lock to someone else."""
        assert self._connection is not None
        while not self.lost.is_set():
            await asyncio.sleep(self._heartbeat)
            try:
                await asyncio.wait_for(self._connection.execute(text("SELECT 1")), self._heartbeat)
            except Exception:
                self.lost.set()

    async def _let_go(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        if self._connection is not None:
            with contextlib.suppress(Exception):  # closing ends the session and its lock
                await self._connection.close()
            self._connection = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
        if self._fd is not None:
            os.close(self._fd)  # closing the file lets go of its flock
            self._fd = None
