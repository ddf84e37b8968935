"""The one clock: real time in production, time that moves only when told in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.clock import Clock, ManualClock, SystemClock

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_the_system_clock_tells_real_time_in_utc() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert before <= now <= datetime.now(UTC)
    assert now.tzinfo is UTC


def test_a_manual_clock_stands_still_until_it_is_moved() -> None:
    clock = ManualClock(START)
    assert clock.now() == clock.now() == START
    assert clock.advance(timedelta(days=3)) == START + timedelta(days=3)
    assert clock.now() == START + timedelta(days=3)
    clock.set(START - timedelta(hours=1))  # set() may go back; advance() may not
    assert clock.now() == START - timedelta(hours=1)


def test_a_manual_clock_starts_at_the_real_moment_unless_told() -> None:
    before = datetime.now(UTC)
    assert before <= ManualClock().now() <= datetime.now(UTC)


def test_a_manual_clock_keeps_utc_and_refuses_naive_times() -> None:
    amsterdam = timezone(timedelta(hours=1))
    clock = ManualClock(datetime(2025, 3, 1, 13, 0, tzinfo=amsterdam))
    assert clock.now() == START and clock.now().tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        ManualClock(datetime(2025, 3, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        clock.set(datetime(2025, 3, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    assert clock.now() == START


def test_both_are_clocks() -> None:
    clocks: list[Clock] = [SystemClock(), ManualClock(START)]
    assert all(isinstance(clock.now(), datetime) for clock in clocks)
