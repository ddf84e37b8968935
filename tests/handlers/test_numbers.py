"""Numbers people type and buttons carry: an id, or nothing, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.numbers import parse_id


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("12", 12),
        ("007", 7),
        ("١٢", 12),  # Arabic-Indic digits are digits too
        ("999999999999999999", 999_999_999_999_999_999),
        ("9223372036854775808", None),  # past 64 bits: no row can have it
        ("9" * 5000, None),  # more digits than int() reads
        ("²", None),  # str.isdigit() says yes, int() says no
        ("½", None),
        ("-1", None),
        ("1e3", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_id(word: str | None, expected: int | None):
    assert parse_id(word) == expected


@given(st.text())
def test_any_text_is_an_id_or_nothing(word: str):
    number = parse_id(word)
    assert number is None or 0 <= number < 2**63
