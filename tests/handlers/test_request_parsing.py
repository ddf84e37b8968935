"""Request texts as residents type them, in Dutch and English."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.request_parsing import clean, parse
from models.entities import RequestKind

# A Wednesday afternoon in Amsterdam.
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
AMS = "Europe/Amsterdam"


# Tuesday 1 December 2026, noon in Amsterdam.
DEC_1 = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)

#: What neighbours write, and the due date it has on 1 December 2026 (None: no date).
DUTCH = [
    ("boodschappen doen vrijdag", date(2026, 12, 4)),
    ("vrijdag 2 tassen naar de kringloop", date(2026, 12, 4)),  # not 2 February
    ("oppas vrijdag 20 uur", date(2026, 12, 4)),  # not the 20th
    ("Wie kan morgen de hond uitlaten?", date(2026, 12, 2)),
    ("morgenochtend een lift naar het ziekenhuis", date(2026, 12, 2)),
    ("overmorgen hulp bij het verhuizen van een kast", date(2026, 12, 3)),
    ("vanavond even de kat voeren", date(2026, 12, 1)),
    ("vandaag nog iemand die een boormachine heeft?", date(2026, 12, 1)),
    ("dinsdag de kliko aan de straat", date(2026, 12, 1)),  # today is Tuesday
    ("zaterdag 12 december helpen met de kerstmarkt", date(2026, 12, 12)),
    ("zaterdag 5 december cadeautjes inpakken", date(2026, 12, 5)),
    ("donderdag 10 december naar de kapper brengen", date(2026, 12, 10)),
    ("op 3 januari de kerstboom wegbrengen", date(2027, 1, 3)),
    ("hulp met verhuizen, 14 januari", date(2027, 1, 14)),
    ("hulp bij de belastingaangifte 1 maart 2027", date(2027, 3, 1)),
    ("24 december kerststukjes maken", date(2026, 12, 24)),
    ("Kan iemand op 8 december de kinderen van school halen?", date(2026, 12, 8)),
    ("ladder lenen 15-12", date(2026, 12, 15)),
    ("op 31-12 oliebollen bakken", date(2026, 12, 31)),
    ("25-12 kerstdiner voor wie alleen is", date(2026, 12, 25)),
    ("fiets repareren 20/12", date(2026, 12, 20)),
    ("feestje in het buurthuis 12.12", date(2026, 12, 12)),
    ("sneeuw ruimen op 5-1", date(2027, 1, 5)),
    ("gordijnen ophangen 28-10", date(2027, 10, 28)),  # passed long ago: next year's
    ("ladder lenen 28-11", None),  # passed three days ago: a slip, not next year
    ("28 november kast ophalen", None),
    ("boodschappen 3-1-2020", None),
    ("maandag om 9 uur naar de huisarts", date(2026, 12, 7)),  # not 1 September
    ("volgende week dinsdag de container buiten zetten", date(2026, 12, 8)),
    ("dinsdag volgende week hulp met de computer", date(2026, 12, 8)),
    ("volgende week vrijdag samen koken", date(2026, 12, 11)),
    ("over twee dagen een pakketje aannemen", date(2026, 12, 3)),
    ("over 3 weken iemand die de planten water geeft", date(2026, 12, 22)),
    ("over een week soep koken voor de buurvrouw", date(2026, 12, 8)),
    ("dit weekend de tuin opruimen", date(2026, 12, 5)),
    ("volgend weekend hulp bij het schilderen", date(2026, 12, 12)),
    ("zondagmiddag wandelen met meneer Jansen", date(2026, 12, 6)),
    ("zaterdagochtend boodschappen voor mevrouw De Vries", date(2026, 12, 5)),
    ("woensdagavond oppassen op twee kinderen", date(2026, 12, 2)),
    ("Heeft iemand morgen of overmorgen tijd?", date(2026, 12, 2)),
    ("Iemand die een aanhanger heeft?", None),
    ("Wie wil 2 stoelen hebben?", None),
    ("Wie helpt er met 2 tassen naar de glasbak?", None),
    ("Ik zoek iemand voor 1 uurtje per week", None),
    ("Goedemorgen! Wie kan mij helpen met de wifi?", None),
    ("'s morgens de krant halen", None),
    ("op vrijdagen de kliko aan de straat", None),
    ("huisnummer 12, graag 2x aanbellen", None),
    ("bel me op 06-12345678", None),
    ("om 10.30 uur koffie bij mij", None),
    ("1.5 kilo appels over", None),
    ("tussen 20 en 22 uur iemand om op te passen", None),
]
ENGLISH = [
    ("groceries on friday", date(2026, 12, 4)),
    ("tomorrow help with the garden", date(2026, 12, 2)),
    ("a lift to the station tonight", date(2026, 12, 1)),
    ("day after tomorrow, help carrying a sofa", date(2026, 12, 3)),
    ("babysitter friday 8 pm", date(2026, 12, 4)),
    ("walk the dog on Saturday morning", date(2026, 12, 5)),
    ("sunday afternoon tea with Mrs Smith", date(2026, 12, 6)),
    ("help on 12 December", date(2026, 12, 12)),
    ("December 12th: carol singing", date(2026, 12, 12)),
    ("on 3 January 2027 a lift to the airport", date(2027, 1, 3)),
    ("lend me a drill by 15/12", date(2026, 12, 15)),
    ("next week friday, the bins", date(2026, 12, 11)),
    ("in 2 weeks, water the plants", date(2026, 12, 15)),
    ("this weekend, help moving boxes", date(2026, 12, 5)),
    ("fix my bike 28-11", None),  # passed three days ago
    ("I can lend a ladder", None),
    ("I may need 2 bags carried", None),
    ("I need a 20 euro note changed", None),  # "a 20" was 20 January
    ("help at number 31 <3", None),
    ("call me at 10.30 about the party", None),
]


@pytest.mark.parametrize(("text", "due"), DUTCH + ENGLISH)
def test_due_dates_on_the_first_of_december(text: str, due: date | None):
    reading = parse(RequestKind.ASK, text, AMS, DEC_1)
    assert reading.draft.due == due
    assert reading.draft.text == text


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        ("ladder lenen 28-11", date(2026, 11, 28)),
        ("28 november kast ophalen", date(2026, 11, 28)),
        ("boodschappen 3-1-2020", date(2020, 1, 3)),
        ("gordijnen ophangen 28-10", None),  # next year's instead
        ("vrijdag boodschappen", None),
    ],
)
def test_a_date_that_has_passed_is_left_off_and_told(text: str, passed: date | None):
    reading = parse(RequestKind.ASK, text, AMS, DEC_1)
    assert reading.passed == passed
    if passed is not None:
        assert reading.draft.due is None


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("boodschappen vrijdag", date(2026, 11, 27)),
        ("morgen de hond uitlaten", date(2026, 11, 26)),
        ("ladder lenen 28-11", date(2026, 11, 28)),
        ("klusje 17 <3 & co", None),  # a number alone is not a date
        ("over 3 weken", date(2026, 12, 16)),
        ("help op 12 december", date(2026, 12, 12)),
    ],
)
def test_due_dates_on_a_wednesday_in_november(text: str, due: date | None):
    assert parse(RequestKind.ASK, text, AMS, NOW).draft.due == due


def test_late_evening_in_amsterdam_is_already_tomorrow_in_utc_terms():
    late = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # 00:30 on Thursday in Amsterdam
    assert parse(RequestKind.ASK, "morgen", AMS, late).draft.due == date(2026, 11, 27)


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
    draft = parse(RequestKind.ASK, text, AMS, NOW).draft
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
        assert parse(kind, text, AMS, NOW).draft.text == ""
        assert parse(kind, f"voor {text}: boodschappen", AMS, NOW).draft.on_behalf_of is None


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
    draft = parse(RequestKind.ASK, text, AMS, NOW).draft
    assert (draft.on_behalf_of, draft.text) == (beneficiary, rest)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_without_error(text: str):
    draft = parse(RequestKind.OFFER, text, AMS, NOW).draft
    assert draft.kind is RequestKind.OFFER


def test_a_tab_separates_words_like_a_space():
    assert clean("12\treden\t\tvoor") == "12 reden voor"
