"""The ids of our own rows, as typed or carried by a button: a row, or no row, never a crash.

str.isdigit() is not enough before int(): it accepts '²', which int() refuses, and any
number of digits (int() refuses more than 4300). Our rows (requests, groups,
neighbourhoods, join requests, nudges) have Integer ids, 32 bits on PostgreSQL, which
refuses a larger number even to compare it: a number past that range must get the
answer any unknown number gets, not fail the event.
"""

from __future__ import annotations

#: The largest id a row of ours can have: PostgreSQL's integer.
ROW_ID_MAX = 2**31 - 1
#: The largest number any of our columns keeps: PostgreSQL's bigint.
NUMBER_MAX = 2**63 - 1
#: The id no row has (ids count from 1): what a number past ROW_ID_MAX names.
NO_ROW = 0
_DIGITS = len(str(NUMBER_MAX))


def parse_number(word: str | None) -> int | None:
    """The non-negative number `word` spells in decimal digits, if it fits 64 bits."""
    if not word or not word.isdecimal() or len(word) > _DIGITS:
        return None
    number = int(word)
    return number if number <= NUMBER_MAX else None


def parse_row_id(word: str | None) -> int | None:
    """The id of one of our rows as typed or carried by a button; None if it is no number.

    A number past our ids' range becomes NO_ROW: it is looked up like any other and not
    found, so it gets the usual answer ("There is no group #99999999999").
    """
    number = parse_number(word)
    if number is None:
        return None
    return number if number <= ROW_ID_MAX else NO_ROW
