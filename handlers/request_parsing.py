"""Reading a request as neighbours write it: for whom, what, and maybe when.

"/ask voor mevrouw De Vries: boodschappen vrijdag" → for "mevrouw De Vries",
text "boodschappen vrijdag", due next Friday (see handlers/due_dates.py). A date
that has passed is left off, and the asker is told.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.due_dates import read_due
from models.entities import RequestKind
from models.requests import Draft
from models.texts import BIDI_CONTROLS, shows_nothing

_BEHALF = re.compile(r"^(?:for|voor)\s+([^:\n]+?)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"[ \t\u00a0]+")


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


@dataclass(frozen=True)
class Reading:
    """The draft, and a date the text names that could not be used."""

    draft: Draft
    #: A date the text names that has passed: left off the request, and the asker is told.
    passed: date | None = None


def parse(kind: RequestKind, text: str, timezone: str, now: datetime) -> Reading:
    """`now` from the bot's clock; the day is the neighbourhood's, in its time zone."""
    text = clean(text)
    on_behalf_of = None
    match = _BEHALF.match(text)
    if match:  # a name that shows nothing is no name
        on_behalf_of, text = clean(match.group(1)) or None, clean(match.group(2))
    due = read_due(text, now.astimezone(ZoneInfo(timezone)).date())
    draft = Draft(kind=kind, text=text, on_behalf_of=on_behalf_of, due=due.day)
    return Reading(draft, due.passed)
