"""Engines, sessions and schema migrations for SQLite and PostgreSQL.

SQLite needs care to behave like a server database under concurrent writers:
WAL lets readers run beside a writer, and every transaction starts with
BEGIN IMMEDIATE so that two writers queue on busy_timeout instead of one of
them failing at once with "database is locked" when it upgrades a read lock.

Within one process, SQLite's transactions take turns on a single pooled
connection: SQLite writes one at a time anyway, and waiting in the pool's
queue is first come, first served, where waiting in busy_timeout is a sleep
that lengthens each time (it cut throughput to a fifth under load).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 30_000


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event, not the driver, decide when a transaction starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _without_row_data(context: ExceptionContext) -> None:
    """PostgreSQL's DETAIL quotes the failing row or key ("Failing row contains (…)"):
    names, ids and texts that would reach the log with the error's traceback."""
    error: BaseException | None = context.original_exception
    seen: set[int] = set()
    while error is not None and id(error) not in seen:  # a chain can loop back on itself
        seen.add(id(error))
        if isinstance(getattr(error, "detail", None), str):
            error.detail = None  # type: ignore[attr-defined]
        error = error.__cause__ or error.__context__


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine with the per-backend settings that make it safe to share.

    Errors keep their statement but not its values: those are what people wrote.
    """
    if make_url(url).get_backend_name() == "sqlite":
        kwargs = {"pool_size": 1, "max_overflow": 0, **kwargs}
    engine = create_async_engine(url, hide_parameters=True, **kwargs)
    event.listen(engine.sync_engine, "handle_error", _without_row_data)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    return engine


class BotSession(Session):
    """Our sessions: hooks such as Presence's (models/people.py) listen on this class,
    not on every SQLAlchemy session in the process."""


def sessionmaker(
    engine: AsyncEngine, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions share `info`'s values: what the bot remembers across transactions."""
    return async_sessionmaker(
        engine, expire_on_commit=False, info=info, sync_session_class=BotSession
    )


def alembic_config(url: str | None = None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # ConfigParser interpolation would choke on '%' in passwords.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _run_with_connection(connection: Connection, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, action)(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_run_with_connection, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_run_with_connection, "downgrade", revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)


#: Words in a driver's "operational" error that mean it could not get through, or could not
#: write (a full disk, a read-only file), not that our statement was wrong (SQLite also
#: calls a missing table an operational error).
_UNREACHABLE = (
    "locked",
    "busy",
    "unable to open",
    "disk i/o",
    "connect",
    "timeout",
    "closed",
    "database or disk is full",
    "readonly database",
)
#: PostgreSQL's SQLSTATEs for the same: connection trouble (08), out of disk, memory or
#: connections (53), shutting down (57P), and a server or transaction that is read-only.
_UNREACHABLE_STATES = ("08", "53", "57P", "25006")


def is_outage(exc: BaseException) -> bool:
    """The database could not be reached or was too busy, as opposed to refusing our work.

    Work that failed this way is tried again later; it is not the work's fault.
    """
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, InterfaceError):
        return True
    if isinstance(exc, DBAPIError):
        state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if isinstance(state, str) and state.startswith(_UNREACHABLE_STATES):
            return True
    if isinstance(exc, OperationalError):
        return any(word in str(exc.orig).lower() for word in _UNREACHABLE)
    return isinstance(exc, OSError | TimeoutError)


def missing_file(url: str) -> Path | None:
    """The SQLite file the URL names, if there is none yet: connecting would create it."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def describe_url(url: str) -> str:
    """The URL without its password, for logs and reports."""
    return make_url(url).render_as_string(hide_password=True)
