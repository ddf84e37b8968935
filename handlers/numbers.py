"""Numbers people type: ids of our own rows (models/ids.py), of Telegram's people, counts.

Telegram's ids take up to 52 bits and are kept as BigInteger, so any number that fits
64 bits may be one; our rows' ids are narrower, and a number past their range names no
row (models/ids.py).
"""

from __future__ import annotations

from models.ids import NO_ROW, NUMBER_MAX, ROW_ID_MAX, parse_number, parse_row_id

__all__ = [
    "NO_ROW",
    "ROW_ID_MAX",
    "TELEGRAM_ID_MAX",
    "parse_number",
    "parse_row_id",
    "parse_telegram_id",
]

#: The largest Telegram id we can keep: PostgreSQL's bigint.
TELEGRAM_ID_MAX = NUMBER_MAX


def parse_telegram_id(word: str | None) -> int | None:
    """A Telegram user's id as typed; None if it cannot be one."""
    return parse_number(word)
