"""The catalogs cover every string in the code, and translations keep their placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALE_DIR, Translator, normalise
from bot.text import Markup, plain

ROOT = Path(__file__).parents[2]
KEYWORDS = {"_": None, "N_": None, "plural": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: The HTML tags Telegram reads; a usage's "<title>" is words for the reader, translated.
TAG = re.compile(r"</?(b|strong|i|em|u|ins|s|strike|del|a|code|pre|blockquote|tg-spoiler)[ >]")


def _code_messages() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(language: str) -> dict[str, str]:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "buurtbot.po").open("rb") as handle:
        catalog = {}
        for m in read_po(handle):
            if not m.id:
                continue
            # Plural entries are keyed by their singular; every form must be there.
            key = m.id if isinstance(m.id, str) else m.id[0]
            forms = [m.string] if isinstance(m.string, str) else list(m.string or ())
            catalog[key] = "" if not all(forms) else " | ".join(forms)
        return catalog


def test_code_has_messages():
    assert len(_code_messages()) > 5


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_every_message(language: str):
    missing = _code_messages() - set(_catalog(language))
    assert not missing, f"run `make messages`; missing in {language}: {sorted(missing)}"


def test_dutch_is_complete_and_keeps_placeholders_and_tags():
    for source, dutch in _catalog("nl").items():
        assert dutch, f"untranslated: {source!r}"
        for form in dutch.split(" | "):
            assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(form)), source
            assert sorted(TAG.findall(source)) == sorted(TAG.findall(form)), source


def test_values_are_escaped_but_safe_html_is_kept():
    _ = Translator("nl").get("en")
    rendered = _(
        "This chat is already set up as the neighbourhood <b>{title}</b>.", title="<3 & co"
    )
    assert "&lt;3 &amp; co" in rendered and "<b>" in rendered
    assert _("{x}", x=Markup("<i>ok</i>")) == "<i>ok</i>"


def test_values_lose_the_bidi_controls_that_would_turn_a_message_around():
    _ = Translator("nl").get("en")
    rendered = _(
        "Good news: {name} will help with “{text}”.", name="Joost\u202e\u2066ti\u2069", text="x"
    )
    assert rendered == "Good news: Joostti will help with “x”."
    assert plain("\u200fשלום <b>") == "\u200fשלום &lt;b&gt;"  # a right-to-left mark is no control


def test_language_choice_falls_back_in_order():
    translator = Translator("nl")
    assert translator.choose("en-GB", "nl").language == "en"
    assert translator.choose("de", "en").language == "en"
    assert translator.choose(None, None).language == "nl"
    assert translator.choose("fr", None).language == "nl"
    assert normalise("NL_be") == "nl"
