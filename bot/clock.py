"""The one clock: every "now" in the bot is read here, and nowhere else.

Flows and the domain are given the time instead of reading it, so an event sees one
moment from start to end, and tests, the sandbox and a demo can move time forward.
Durations (throttles, pacing, caches) are measured with `time.monotonic`, not with this.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, aware, in UTC."""
        ...


class SystemClock:
    """Real time: what the running bot uses."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """Time that stands still until it is moved: for tests and the demo.

    It starts at the real moment unless told otherwise, so it agrees with the dates on
    messages until it is moved on.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = _utc(start) if start is not None else datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move on by `delta`; going back is `set`'s job, so a negative step is a slip."""
        if delta < timedelta(0):
            raise ValueError("advance() moves forward; use set() to go back")
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = _utc(moment)


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are refused, as the database refuses them (models/base.py)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use an aware one, such as datetime.now(UTC)")
    return moment.astimezone(UTC)
