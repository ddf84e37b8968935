"""Settings as coordinators type them."""

from __future__ import annotations

import pytest

from models.settings import Change, SettingError, parse


def test_good_settings():
    assert parse(
        "language=en timezone=Europe/Brussels nudge_after_days=7 quiet_hours=22:30-08:00 "
        'join_question="Welke bakker zit op de hoek?" coordinators=+@anna_k coordinators=-42'
    ) == [
        Change("language", "en"),
        Change("timezone", "Europe/Brussels"),
        Change("nudge_after_days", 7),
        Change("quiet_hours", ("22:30", "08:00")),
        Change("join_question", "Welke bakker zit op de hoek?"),
        Change("coordinators", "+@anna_k"),
        Change("coordinators", "-42"),
    ]
    assert parse("quiet_hours=off join_question=-") == [
        Change("quiet_hours", ("00:00", "00:00")),
        Change("join_question", None),
    ]
    assert parse("") == []


def test_a_question_runs_to_the_end_of_the_line_or_the_next_key():
    assert parse("join_question=In welke straat woon je?") == [
        Change("join_question", "In welke straat woon je?")
    ]
    assert parse("join_question=Woon je hier? Zo ja: waar=? quiet_hours=off") == [
        Change("join_question", "Woon je hier? Zo ja: waar=?"),
        Change("quiet_hours", ("00:00", "00:00")),
    ]
    assert parse("language=en\njoin_question=“Wie ben je?”\n\nnudge_after_days=3") == [
        Change("language", "en"),
        Change("join_question", "Wie ben je?"),
        Change("nudge_after_days", 3),
    ]
    assert parse("join_question=Wat is 1+1=2, volgens jou?") == [
        Change("join_question", "Wat is 1+1=2, volgens jou?")
    ]


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("language=fr", "language", "language"),
        ("timezone=Europe/Amsterdm", "timezone", "timezone"),
        ("nudge_after_days=0", "nudge_after_days", "days"),
        ("nudge_after_days=abc", "nudge_after_days", "days"),
        ("quiet_hours=25:00-08:00", "quiet_hours", "hours"),
        ("quiet_hours=22-8", "quiet_hours", "hours"),
        ("colour=blue", "colour", "key"),
        ("language", "language", "form"),
        ("coordinators=anna", "coordinators", "person"),
        ('join_question="unclosed', "join_question", "quotes"),
        ("quiet_hour=22:00-08:00", "quiet_hour", "key"),  # a typo in the key
        ("language=nl colour=blue", "colour", "key"),
        ("timezone=Europe/Amsterdam please", "timezone", "timezone"),
        ("please language=en", "please", "form"),
        ("join_question=" + "x" * 256, "join_question", "question"),
        ('join_question="\u3164\u200b \u2800"', "join_question", "question"),  # shows nothing
        ("nudge_after_days=²", "nudge_after_days", "days"),
        ("nudge_after_days=" + "9" * 5000, "nudge_after_days", "days"),
        ("timezone=Europe", "timezone", "timezone"),  # a folder of zones, not a zone
        ("timezone=" + "a" * 300, "timezone", "timezone"),  # too long for a file name
    ],
)
def test_bad_settings_name_their_key(text: str, key: str, problem: str):
    with pytest.raises(SettingError) as caught:
        parse(text)
    assert (caught.value.key, caught.value.problem) == (key, problem)
