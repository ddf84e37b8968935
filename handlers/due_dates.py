"""Reading a due date as neighbours write it, in Dutch or in English.

A small reader of our own rather than a general date parser: those take any number for
a date ("vrijdag 2 tassen" became 1 February, "maandag om 9 uur" 1 September). Here a
date is one of these, and nothing else:

- a day word: vandaag, morgen, overmorgen, vanavond / today, tomorrow, tonight
- a weekday, maybe with "volgende week" or "next week": vrijdag, zaterdagochtend
- a span from today: over 3 dagen, over twee weken / in 2 days, in a week
- a day and a month: 12 december, 3 jan 2027, December 12th
- a day-month in figures, day first: 28-11, 28/11/2027, 28.11
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

_MONTHS = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "february", "feb"), 2),
    **dict.fromkeys(("maart", "march", "mrt", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("augustus", "august", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nov"), 11),
    **dict.fromkeys(("december", "dec"), 12),
}
#: Month first ("December 12") only for names that are no other word: "may 2 bags".
_MONTHS_FIRST = "|".join(m for m in _MONTHS if len(m) > 4 or m in ("june", "july"))
_WEEKDAYS = {
    **dict.fromkeys(("maandag", "monday"), 0),
    **dict.fromkeys(("dinsdag", "tuesday"), 1),
    **dict.fromkeys(("woensdag", "wednesday"), 2),
    **dict.fromkeys(("donderdag", "thursday"), 3),
    **dict.fromkeys(("vrijdag", "friday"), 4),
    **dict.fromkeys(("zaterdag", "saturday"), 5),
    **dict.fromkeys(("zondag", "sunday"), 6),
}
_DAY_WORDS = {
    **dict.fromkeys(("vandaag", "vanavond", "vanmiddag", "vanochtend", "vanmorgen"), 0),
    **dict.fromkeys(("vannacht", "today", "tonight"), 0),
    **dict.fromkeys(("morgen", "tomorrow"), 1),
    **dict.fromkeys(("overmorgen", "day after tomorrow"), 2),
}
_COUNTS = {
    **dict.fromkeys(("een", "één", "a", "an", "one"), 1),
    **dict.fromkeys(("twee", "two"), 2),
    **dict.fromkeys(("drie", "three"), 3),
    **dict.fromkeys(("vier", "four"), 4),
    **dict.fromkeys(("vijf", "five"), 5),
    **dict.fromkeys(("zes", "six"), 6),
    **dict.fromkeys(("zeven", "seven"), 7),
    **dict.fromkeys(("acht", "eight"), 8),
    **dict.fromkeys(("negen", "nine"), 9),
    **dict.fromkeys(("tien", "ten"), 10),
}
_UNITS = {"dag": 1, "dagen": 1, "day": 1, "days": 1, "week": 7, "weken": 7, "weeks": 7}


def _any(words: Iterable[str]) -> str:
    """A regex alternation that tries the longest first: "overmorgen" before "morgen"."""
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_PART_OF_DAY = r"(?:ochtend|morgen|middag|avond|nacht)?"
_YEAR = r"(?:,?\s+(?P<{}>\d{{4}}))?"
_PATTERN = re.compile(
    r"(?<!\w)(?:"
    + "|".join(
        (
            rf"(?P<dm_day>\d{{1,2}})(?:e|ste|de|st|nd|rd|th)?\s+(?:of\s+)?"
            rf"(?P<dm_month>{_any(_MONTHS)})\b\.?{_YEAR.format('dm_year')}",
            rf"(?P<md_month>{_MONTHS_FIRST})\s+(?P<md_day>\d{{1,2}})(?:st|nd|rd|th)?\b"
            rf"{_YEAR.format('md_year')}",
            # Day first, as Dutch and British neighbours write it. Not a time (20.30 uur),
            # an amount (1.5 kilo) or a phone number: a dot wants two figures after it.
            r"(?<![\d:.,/-])(?<!om )(?<!at )(?P<n_day>\d{1,2})"
            r"(?:[-/](?P<n_month>\d{1,2})|\.(?P<n_month2>\d\d))"
            r"(?:[-/.](?P<n_year>\d{4}|\d\d))?(?![\d:.,/-]|\s*u(?:ur)?\b)",
            rf"(?P<next>volgende week|next week)\s+(?P<next_day>{_any(_WEEKDAYS)}){_PART_OF_DAY}\b",
            rf"(?P<weekday>{_any(_WEEKDAYS)}){_PART_OF_DAY}\b"
            r"(?P<after>\s+(?:volgende week|next week))?",
            rf"(?:over|in)\s+(?P<count>\d{{1,2}}|{_any(_COUNTS)})\s+(?P<unit>{_any(_UNITS)})\b",
            rf"(?<!goede )(?P<word>{_any(_DAY_WORDS)}){_PART_OF_DAY}\b",
            r"(?P<weekend>(?P<weekend_next>(?:volgend|next)\s+)?weekend)\b",
        )
    )
    + ")",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Due:
    """The date a text names, or the date it names that has already passed."""

    day: date | None = None
    passed: date | None = None


def _month_back(today: date) -> date:
    if today.month == 1:
        return today.replace(year=today.year - 1, month=12)
    last_day = (today.replace(day=1) - timedelta(days=1)).day
    return today.replace(month=today.month - 1, day=min(today.day, last_day))


def _calendar(today: date, day: int, month: int, year: str | None) -> Due | None:
    """A day and a month: this year's, or next year's once this year's is a month gone."""
    full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        when = date(full_year or today.year, month, day)
    except ValueError:  # 31-2, 12-13: not a date
        return None
    if when >= today:
        return Due(when)
    if full_year is None and when < _month_back(today):
        try:
            return Due(when.replace(year=today.year + 1))
        except ValueError:  # 29 February
            return None
    return Due(passed=when)


def _read(match: re.Match[str], today: date) -> Due | None:
    found = {k: v for k, v in match.groupdict().items() if v is not None}
    if "dm_day" in found:
        month = _MONTHS[found["dm_month"].lower()]
        return _calendar(today, int(found["dm_day"]), month, found.get("dm_year"))
    if "md_day" in found:
        month = _MONTHS[found["md_month"].lower()]
        return _calendar(today, int(found["md_day"]), month, found.get("md_year"))
    if "n_day" in found:
        month = int(found.get("n_month") or found["n_month2"])
        return _calendar(today, int(found["n_day"]), month, found.get("n_year"))
    if "weekday" in found or "next_day" in found:
        weekday = _WEEKDAYS[(found.get("weekday") or found["next_day"]).lower()]
        if "after" in found or "next" in found:  # the one in next week, Monday to Sunday
            monday = today + timedelta(days=7 - today.weekday())
            return Due(monday + timedelta(days=weekday))
        return Due(today + timedelta(days=(weekday - today.weekday()) % 7))
    if "weekend" in found:
        saturday = today + timedelta(days=5 - today.weekday())
        if "weekend_next" in found:
            return Due(saturday + timedelta(days=7))
        return Due(today if today.weekday() >= 5 else saturday)
    if "count" in found:
        count = found["count"].lower()
        number = int(count) if count.isdigit() else _COUNTS[count]
        return Due(today + timedelta(days=number * _UNITS[found["unit"].lower()]))
    return Due(today + timedelta(days=_DAY_WORDS[found["word"].lower()]))


def read_due(text: str, today: date) -> Due:
    """The date in the text, counted from `today` where the neighbourhood is.

    A day and a month win over a weekday or a day word: "zaterdag 12 december".
    """
    readings = []
    for match in _PATTERN.finditer(text):
        due = _read(match, today)
        if due is not None:
            calendar = match["dm_day"] or match["md_day"] or match["n_day"]
            readings.append((calendar is None, due))
    return min(readings, key=lambda reading: reading[0])[1] if readings else Due()
