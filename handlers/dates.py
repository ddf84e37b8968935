"""Dates and times as people say them: "vrijdag 5 december 14:30", in the neighbourhood's zone.

The year is only named when it is not this year.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.i18n import Gettext


def day_text(_: Gettext, day: date, today: date) -> str:
    pattern = "EEEE d MMMM" if day.year == today.year else "EEEE d MMMM y"
    return format_date(day, pattern, locale=_.language)


def moment_text(_: Gettext, at: datetime, now: datetime, timezone: str) -> str:
    """A moment on the clock of the neighbourhood it happened in."""
    zone = ZoneInfo(timezone)
    local = at.astimezone(zone)
    return f"{day_text(_, local.date(), now.astimezone(zone).date())} {local:%H:%M}"
