"""Declarative base, column types and the paging shared by every entity."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, Select, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")

#: Items on one page of a list that people leaf through with buttons.
PAGE_SIZE = 10

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend.

    SQLite forgets time zones, so values are stored as naive UTC and tagged
    again on the way out; comparing aware and naive datetimes would raise.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


async def page_of(session: AsyncSession, statement: Select[T], page: int) -> tuple[list[T], int]:
    """One page of what `statement` finds, in its order, and how many pages there are.

    A page past the end is the last one: a list shrinks while someone leafs through it.
    """
    counted: Select[Any] = select(func.count()).select_from(statement.order_by(None).subquery())
    total = await session.scalar(counted) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 0), pages - 1)
    found = await session.scalars(statement.offset(page * PAGE_SIZE).limit(PAGE_SIZE))
    return list(found), pages
