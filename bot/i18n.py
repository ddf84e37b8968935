"""Translations: gettext catalogs (nl, en) read straight from their .po files.

Reading the .po files at start-up means a fresh install works without a
compile step, and a translator can edit a catalog and restart the bot.
Every value put into a message is escaped here (bot/text.py), because user
text must never be read as markup; and it loses its bidi controls, so that a
name cannot turn the message around.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.text import Markup, plain

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "buurtbot"
LANGUAGES = ("nl", "en")


def _render(template: str, values: dict[str, object]) -> str:
    safe = {key: v if isinstance(v, Markup) else plain(v) for key, v in values.items()}
    return template.format(**safe) if safe else template


def _load(language: str) -> gettext.NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Gettext:
    """One language's lookups; call it like gettext, with format values."""

    language: str
    catalog: gettext.NullTranslations

    def __call__(self, message: str, /, **values: object) -> str:
        return _render(self.catalog.gettext(message), values)

    def plural(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        return _render(self.catalog.ngettext(singular, plural, n), {"n": n, **values})


class Translator:
    """All catalogs, loaded once; picks a language for each reader."""

    def __init__(self, default: str) -> None:
        self.default = default
        self._languages = {language: Gettext(language, _load(language)) for language in LANGUAGES}

    def get(self, language: str | None) -> Gettext:
        return self._languages.get(language or self.default) or self._languages[self.default]

    def choose(self, *candidates: str | None) -> Gettext:
        """The first candidate we have a catalog for, else the configured default."""
        for candidate in candidates:
            code = normalise(candidate)
            if code is not None:
                return self._languages[code]
        return self._languages[self.default]


def normalise(code: str | None) -> str | None:
    """'nl-BE' → 'nl'; None for languages we have no catalog for."""
    if not code:
        return None
    base = code.split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else None


def N_(message: str) -> str:
    """Marks a string for extraction where it is translated later (command descriptions)."""
    return message
