"""Neighbourhood settings as coordinators type them: `key=value`, checked one by one.

Parsing is pure, so every rule is unit-tested; a bad value names its key and
the allowed form, and nothing is changed.
"""

from __future__ import annotations

import re
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


#: Where a setting starts: a known key and "=", at the start or after a space. Only a
#: question is free text, so that is all a value may contain of other keys.
_KEY = re.compile(r"(?:^|(?<=\s))(" + "|".join(KEYS) + r")=")
_WORD_KEY = re.compile(r"^([^\s=]+)=")
#: Quotes people put around a value, straight or curly, as their keyboard types them.
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u201e": "\u201d", "\u2018": "\u2019"}
FREE_TEXT = ("join_question",)


def _unquoted(key: str, raw: str) -> str:
    closing = _QUOTES.get(raw[:1])
    if closing is None:
        return raw
    if len(raw) < 2 or not raw.endswith(closing):
        raise SettingError(key, "quotes")
    return raw[1:-1].strip()


def _changes_in(line: str) -> list[Change]:
    starts = list(_KEY.finditer(line))
    head = line[: starts[0].start()] if starts else line
    if head.strip():  # text before the first known key: a mistyped key, or no key at all
        word = head.split()[0]
        typed = _WORD_KEY.match(word)
        raise SettingError(typed.group(1), "key") if typed else SettingError(word, "form")
    if not starts:
        return []  # a blank line
    changes = []
    for start, after in zip(starts, [*starts[1:], None], strict=True):
        key = start.group(1)
        raw = line[start.end() : after.start() if after else len(line)].strip()
        if key not in FREE_TEXT and raw and not _QUOTES.get(raw[:1]):
            raw, _space, rest = raw.partition(" ")
            typed = _WORD_KEY.match(rest.strip())
            if typed:
                raise SettingError(typed.group(1), "key")
            if rest.strip():
                raw += " " + rest.strip()  # judged whole: "Europe/Amsterdam please" is no zone
        changes.append(_value(key, _unquoted(key, raw)))
    return changes


def parse(text: str) -> list[Change]:
    """'quiet_hours=22:00-08:00 join_question=Welke bakker zit op de hoek?' → changes.

    A question runs to the end of its line, or to the next key=; quotes are allowed
    but never needed.
    """
    return [change for line in text.splitlines() for change in _changes_in(line)]
