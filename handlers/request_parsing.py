"""Reading a request as neighbours write it: for whom, what, and maybe when.

"/ask voor mevrouw De Vries: boodschappen vrijdag" → for "mevrouw De Vries",
text "boodschappen vrijdag", due next Friday. Dates are found by dateparser in
the neighbourhood's language and time zone; a date that cannot be read, or
one in the past, simply leaves the request without a due date.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dateparser.search import search_dates

from models.entities import RequestKind
from models.requests import Draft

log = logging.getLogger(__name__)

_BEHALF = re.compile(r"^(?:for|voor)\s+([^:\n]+?)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"[ \t\u00a0]+")
#: What makes a found date a date: a word ("vrijdag", "12 december") or day-month digits.
_SAYS_DATE = re.compile(r"[^\W\d_]|\d[-/.]\d")


#: Bidi overrides and isolates can make a text display as something else entirely.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _keep(ch: str) -> bool:
    # Joiners (emoji families) and right-to-left marks are format characters: keep them.
    return ch == "\n" or (unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS)


def clean(text: str) -> str:
    """Collapse runs of spaces and drop control characters; keep line breaks and emoji."""
    kept = "".join(ch for ch in text if _keep(ch))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in kept.splitlines()).strip()


def find_due(text: str, language: str, timezone: str, now: datetime) -> date | None:
    local_now = now.astimezone(ZoneInfo(timezone))
    settings = {
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": timezone,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
    }
    try:
        # Neighbours write in either language, whatever the neighbourhood's setting.
        languages = [language, *(other for other in ("nl", "en") if other != language)]
        found = search_dates(text, languages=languages, settings=settings)
    except Exception:  # a parser quirk must never cost the resident their request
        log.debug("dateparser failed on a request text", exc_info=True)
        return None
    # Digits alone are not a date: dateparser reads "number 17 <3" as 17 March.
    due = next((when.date() for said, when in found or () if _SAYS_DATE.search(said)), None)
    return due if due is not None and due >= local_now.date() else None


def parse(kind: RequestKind, text: str, language: str, timezone: str, now: datetime) -> Draft:
    text = clean(text)
    on_behalf_of = None
    match = _BEHALF.match(text)
    if match:
        on_behalf_of, text = match.group(1).strip(), match.group(2).strip()
    return Draft(
        kind=kind,
        text=text,
        on_behalf_of=on_behalf_of,
        due=find_due(text, language, timezone, now) if text else None,
    )
