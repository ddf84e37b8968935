"""Neighbourhood settings as coordinators type them: `key=value`, checked one by one.

Parsing is pure, so every rule is unit-tested; a bad value names its key and
the allowed form, and nothing is changed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.texts import shows_nothing

LANGUAGES = ("nl", "en")
KEYS = ("language", "timezone", "nudge_after_days", "quiet_hours", "join_question", "coordinators")
QUESTION_MAX = 255
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_PERSON = re.compile(r"^([+-])(@[A-Za-z0-9_]{5,32}|\d{1,15})$")


class SettingError(Exception):
    """`key` is what was wrong; `problem` says which rule it broke, for the reply."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Change:
    key: str
    value: str | int | tuple[str, str] | None


def _value(key: str, raw: str) -> Change:
    if key == "language":
        if raw not in LANGUAGES:
            raise SettingError(key, "language")
        return Change(key, raw)
    if key == "timezone":
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: e.g. "Europe", a folder
            raise SettingError(key, "timezone") from None
        return Change(key, raw)
    if key == "nudge_after_days":
        if not (raw.isdecimal() and len(raw) <= 3) or not 1 <= int(raw) <= 365:
            raise SettingError(key, "days")
        return Change(key, int(raw))
    if key == "quiet_hours":
        if raw in ("off", "uit"):
            return Change(key, ("00:00", "00:00"))
        match = _HOURS.match(raw)
        if not match:
            raise SettingError(key, "hours")
        start, end = raw.split("-")
        return Change(key, (start, end))
    if key == "join_question":
        if raw in ("-", ""):
            return Change(key, None)
        if len(raw) > QUESTION_MAX or shows_nothing(raw):  # a question nobody could read
            raise SettingError(key, "question")
        return Change(key, raw)
    if not _PERSON.match(raw):
        raise SettingError(key, "person")
    return Change(key, raw)


def parse(text: str) -> list[Change]:
    """'quiet_hours=22:00-08:00 join_question="Welke bakker zit op de hoek?"' → changes."""
    try:
        words = shlex.split(text)
    except ValueError:
        raise SettingError("…", "quotes") from None
    changes = []
    for word in words:
        key, sign, raw = word.partition("=")
        if not sign:
            raise SettingError(word, "form")
        if key not in KEYS:
            raise SettingError(key, "key")
        changes.append(_value(key, raw.strip()))
    return changes
