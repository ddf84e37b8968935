"""Reading a request as neighbours write it: for whom, what, and maybe when.

"/ask voor mevrouw De Vries: boodschappen vrijdag" → for "mevrouw De Vries",
text "boodschappen vrijdag", due next Friday. Dates are found by dateparser in
the neighbourhood's language and time zone; a date that cannot be read, or
one in the past, simply leaves the request without a due date.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dateparser.languages.loader import default_loader
from dateparser.search import search_dates

from models.entities import RequestKind
from models.requests import Draft
from models.texts import BIDI_CONTROLS, shows_nothing

log = logging.getLogger(__name__)

_BEHALF = re.compile(r"^(?:for|voor)\s+([^:\n]+?)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"[ \t\u00a0]+")
_DAY_MONTH = re.compile(r"\d[-/.]\d")


def _keep(ch: str) -> bool:
    # Joiners (emoji families) and right-to-left marks are format characters: keep them.
    # Tabs separate words like spaces do, and become one.
    return ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS)


def clean(text: str) -> str:
    """Collapse runs of spaces and drop control characters; keep line breaks and emoji.

    A text that shows nothing comes out empty, so each reader of typed text answers it
    as it answers no text at all.
    """
    kept = "".join(ch for ch in text if _keep(ch))
    cleaned = "\n".join(_SPACES.sub(" ", line).strip() for line in kept.splitlines()).strip()
    return "" if shows_nothing(cleaned) else cleaned


#: The parts of dateparser's language data that name a date or a span of time. Left out:
#: its little words ("a", "een", "in", "the", "at"), which make a date of "a 20".
_MONTHS = "january february march april may june july august september october november december"
_DAYS = "monday tuesday wednesday thursday friday saturday sunday"
_UNITS = "year month week day hour minute second fortnight decade century"
_DATE_KEYS = {*_MONTHS.split(), *_DAYS.split(), *_UNITS.split()}
_WORD = re.compile(r"[^\W\d_]+")


@functools.cache
def _date_words(languages: tuple[str, ...]) -> frozenset[str]:
    """Words that name a date in dateparser's own data for these languages, lower case.

    Month and weekday names and units of time ("vrijdag", "dec", "dagen"), and the
    relative words that are a date by themselves ("morgen", "tomorrow"); single letters
    ("s" for seconds) are left out, "auto's" is not a date.
    """
    words: set[str] = set()
    for language in languages:
        info = default_loader.get_locale(language).info
        for key in _DATE_KEYS & info.keys():  # each a list of names
            words.update(w for name in info[key] for w in _WORD.findall(name.lower()))
        for phrases in info.get("relative-type", {}).values():  # each a list of phrases
            words.update(p.lower() for p in phrases if _WORD.fullmatch(p))
    return frozenset(w for w in words if len(w) > 1)


def _says_date(text: str, languages: tuple[str, ...]) -> bool:
    """A word of a date ("vrijdag", "12 december") or a day-month ("28-11") is in the text.

    dateparser also takes numbers alone for dates ("number 17 <3" for 17 March), and
    spends milliseconds on every number; so texts without either are not searched, and
    what is found counts only if it says a date this way.
    """
    if _DAY_MONTH.search(text):
        return True
    return not _date_words(languages).isdisjoint(_WORD.findall(text.lower()))


def find_due(text: str, language: str, timezone: str, now: datetime) -> date | None:
    # Neighbours write in either language, whatever the neighbourhood's setting.
    languages = (language, *(other for other in ("nl", "en") if other != language))
    return search_due(text, languages, timezone, now) if _says_date(text, languages) else None


def search_due(text: str, languages: tuple[str, ...], timezone: str, now: datetime) -> date | None:
    """The first date dateparser finds that says a date, if it is not in the past."""
    local_now = now.astimezone(ZoneInfo(timezone))
    settings = {
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": timezone,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
    }
    try:
        found = search_dates(text, languages=list(languages), settings=settings)
    except Exception:  # a parser quirk must never cost the resident their request
        log.debug("dateparser failed on a request text", exc_info=True)
        return None
    due = next((when.date() for said, when in found or () if _says_date(said, languages)), None)
    return due if due is not None and due >= local_now.date() else None


def parse(kind: RequestKind, text: str, language: str, timezone: str, now: datetime) -> Draft:
    text = clean(text)
    on_behalf_of = None
    match = _BEHALF.match(text)
    if match:  # a name that shows nothing is no name
        on_behalf_of, text = clean(match.group(1)) or None, clean(match.group(2))
    return Draft(
        kind=kind,
        text=text,
        on_behalf_of=on_behalf_of,
        due=find_due(text, language, timezone, now) if text else None,
    )
