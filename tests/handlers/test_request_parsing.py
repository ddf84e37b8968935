"""Request texts as residents type them, in Dutch and English."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.request_parsing import clean, find_due, parse, search_due
from models.entities import RequestKind

# A Wednesday afternoon in Amsterdam.
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
AMS = "Europe/Amsterdam"


@pytest.mark.parametrize(
    ("language", "text", "due"),
    [
        ("nl", "boodschappen vrijdag", date(2026, 11, 27)),
        ("nl", "morgen de hond uitlaten", date(2026, 11, 26)),
        ("nl", "ladder lenen 28-11", date(2026, 11, 28)),
        ("en", "groceries on friday", date(2026, 11, 27)),
        ("en", "tomorrow help with the garden", date(2026, 11, 26)),
        ("en", "I can lend a ladder", None),
        ("nl", "Wie kan helpen met een kapotte fiets?", None),
        ("nl", "boodschappen 3-1-2020", None),  # in the past: no due date, no error
        # A number alone is not a date, whatever dateparser makes of it.
        ("nl", "klusje 17 <3 & co", None),
        ("en", "help at number 31 <3", None),
        ("en", "I need a 20 euro note changed", None),  # "a 20" was 20 January
        ("nl", "over 3 weken", date(2026, 12, 16)),
        ("nl", "help op 12 december", date(2026, 12, 12)),
    ],
)
def test_due_dates(language: str, text: str, due: date | None):
    draft = parse(RequestKind.ASK, text, language, AMS, NOW)
    assert draft.due == due
    assert draft.text == text


def test_late_evening_in_amsterdam_is_already_tomorrow_in_utc_terms():
    late = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # 00:30 on Thursday in Amsterdam
    assert parse(RequestKind.ASK, "morgen", "nl", AMS, late).due == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "beneficiary", "rest"),
    [
        ("voor mevrouw De Vries: boodschappen vrijdag", "mevrouw De Vries", "boodschappen vrijdag"),
        ("For Mrs De Vries: groceries on Friday", "Mrs De Vries", "groceries on Friday"),
        ("boodschappen voor mevrouw De Vries", None, "boodschappen voor mevrouw De Vries"),
        ("voor: iets", None, "voor: iets"),
    ],
)
def test_on_behalf_of(text: str, beneficiary: str | None, rest: str):
    draft = parse(RequestKind.ASK, text, "nl", AMS, NOW)
    assert (draft.on_behalf_of, draft.text) == (beneficiary, rest)


def test_clean_keeps_emoji_rtl_and_line_breaks_but_not_control_characters():
    assert clean("  👵🏼  hulp\u0000  nodig \n\n  שלום  ") == "👵🏼 hulp nodig\n\nשלום"
    family = "👨\u200d👩\u200d👧"
    assert clean(f"{family} \u200fمرحبا\u202e") == f"{family} \u200fمرحبا"


#: What shows nothing: format characters (zero-width and bidi controls among them), every
#: kind of space and line break, controls, and the letters drawn blank.
_INVISIBLE = st.one_of(
    st.characters(categories=["Cf", "Zs", "Zl", "Zp", "Cc"]),
    st.sampled_from("\u2800\u3164\u115f\u1160\uffa0\t\n\r"),
)


@given(st.text(_INVISIBLE))
def test_a_text_of_invisible_characters_is_empty(text: str):
    assert clean(text) == ""
    for kind in RequestKind:
        assert parse(kind, text, "nl", AMS, NOW).text == ""
        assert parse(kind, f"voor {text}: boodschappen", "nl", AMS, NOW).on_behalf_of is None


@given(
    st.text(_INVISIBLE),
    st.sampled_from(["👨\u200d👩\u200d👧", "🏳️\u200d🌈", "❤️", "مرحبا", "שלום", "x"]),
)
def test_one_thing_that_shows_makes_a_text(padding: str, shown: str):
    text = clean(padding + shown + padding)
    assert shown in text  # joiners inside emoji, and right-to-left script, stay whole


@pytest.mark.parametrize(
    ("text", "beneficiary", "rest"),
    [
        ("voor \u3164: boodschappen", None, "boodschappen"),  # a name that shows nothing
        ("voor mevrouw De Vries: \u200b\u2800", "mevrouw De Vries", ""),
    ],
)
def test_on_behalf_of_what_shows_nothing(text: str, beneficiary: str | None, rest: str):
    draft = parse(RequestKind.ASK, text, "nl", AMS, NOW)
    assert (draft.on_behalf_of, draft.text) == (beneficiary, rest)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_without_error(text: str):
    draft = parse(RequestKind.OFFER, text, "en", AMS, NOW)
    assert draft.kind is RequestKind.OFFER


#: Words residents write, date words among them, and numbers that are or are not dates.
_WORDS = (
    "klusje boodschappen hulp nodig voor mevrouw de in op om met een a the for at help "
    "lift groceries number nummer huis tassen 2 3 12 17 31 123 2027 <3 & 😊 9:30 "
    "vrijdag morgen overmorgen vandaag december dec mei friday tomorrow today may "
    "uur dagen weken days weeks over volgende next 28-11 3/1 12.12 zaterdag euro auto's"
)
_TOKENS = st.sampled_from(_WORDS.split())


@settings(max_examples=150, deadline=None)
@given(st.lists(_TOKENS, min_size=1, max_size=7).map(" ".join))
def test_skipping_dateparser_never_changes_a_due_date(text: str):
    """Texts without a date word or a day-month skip dateparser: it would find nothing."""
    for language in ("nl", "en"):
        languages = (language, "en" if language == "nl" else "nl")
        assert find_due(text, language, AMS, NOW) == search_due(text, languages, AMS, NOW)


def test_a_tab_separates_words_like_a_space():
    assert clean("12\treden\t\tvoor") == "12 reden voor"
