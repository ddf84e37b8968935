"""The entities of the first milestone: neighbourhoods, people and who lives where."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow


class Neighbourhood(Base):
    """A Telegram group chat registered with /setup."""

    __tablename__ = "neighbourhood"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    residents: Mapped[list[Resident]] = relationship(back_populates="neighbourhood")


class User(Base):
    """A Telegram user the bot has seen; the id is Telegram's own."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64), default=None)
    language_code: Mapped[str | None] = mapped_column(String(16), default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Resident(Base):
    """A user's membership of one neighbourhood, kept after they leave for the record."""

    __tablename__ = "resident"
    __table_args__ = (UniqueConstraint("neighbourhood_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    neighbourhood: Mapped[Neighbourhood] = relationship(back_populates="residents")
    user: Mapped[User] = relationship()
