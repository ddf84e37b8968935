"""What differs between our two databases, in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT on both supported backends."""
    postgres = session.get_bind().dialect.name == "postgresql"
    return postgresql.insert if postgres else sqlite.insert
