"""Numbers people type or buttons carry: ids of requests, groups, neighbourhoods, people.

str.isdigit() is not enough before int(): it accepts '²', which int() refuses, and
any number of digits, while the database holds 64-bit ids (and int() refuses more
than 4300 digits). Either way the update would fail instead of getting an answer.
"""

from __future__ import annotations

#: More digits than this cannot be a 64-bit id.
MAX_DIGITS = 18


def parse_id(word: str | None) -> int | None:
    """The non-negative number `word` spells in decimal digits, if it can be an id."""
    if not word or not word.isdecimal() or len(word) > MAX_DIGITS:
        return None
    return int(word)
