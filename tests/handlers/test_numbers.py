"""Numbers people type and buttons carry: an id, or nothing, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.numbers import (
    NO_ROW,
    ROW_ID_MAX,
    TELEGRAM_ID_MAX,
    parse_number,
    parse_row_id,
    parse_telegram_id,
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("12", 12),
        ("007", 7),
        ("١٢", 12),  # Arabic-Indic digits are digits too
        ("999999999999999999", 999_999_999_999_999_999),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),  # past 64 bits: nobody can have it
        ("9" * 5000, None),  # more digits than int() reads
        ("²", None),  # str.isdigit() says yes, int() says no
        ("½", None),
        ("-1", None),
        ("1e3", None),
        ("", None),
        (None, None),
    ],
)
def test_a_telegram_id_fits_64_bits(word: str | None, expected: int | None):
    assert parse_telegram_id(word) == expected == parse_number(word)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("12", 12),
        ("2147483647", 2**31 - 1),
        ("2147483648", NO_ROW),  # past PostgreSQL's integer: the id of no row
        ("99999999999", NO_ROW),
        ("9223372036854775807", NO_ROW),
        ("9223372036854775808", None),  # too long to be taken for a number at all
        ("9" * 5000, None),
        ("²", None),
        ("", None),
        (None, None),
    ],
)
def test_a_row_id_fits_32_bits_or_names_no_row(word: str | None, expected: int | None):
    assert parse_row_id(word) == expected


@given(st.text())
def test_any_text_is_an_id_or_nothing(word: str):
    row, telegram = parse_row_id(word), parse_telegram_id(word)
    assert row is None or 0 <= row <= ROW_ID_MAX
    assert telegram is None or 0 <= telegram <= TELEGRAM_ID_MAX
    assert (row is None) == (telegram is None)


@given(st.integers(0, TELEGRAM_ID_MAX))
def test_every_number_is_read_as_written(number: int):
    assert parse_telegram_id(str(number)) == number
    assert parse_row_id(str(number)) == (number if number <= ROW_ID_MAX else NO_ROW)
