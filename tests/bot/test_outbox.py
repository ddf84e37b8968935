"""Messages too long for Telegram go as several, split between lines."""

from __future__ import annotations

from bot.outbox import MESSAGE_MAX, Outbox, pieces


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_a_short_text_is_one_message():
    assert pieces("<b>Kerklaan</b>\nline") == ["<b>Kerklaan</b>\nline"]


def test_a_long_list_is_split_between_lines_and_loses_nothing():
    lines = [f"<b>Buurt {n} 👵🏼 {'x' * 90}</b>: 12 residents" for n in range(120)]
    text = "\n".join(lines)
    assert _units(text) > 3 * MESSAGE_MAX
    parts = pieces(text)
    assert len(parts) >= 4
    assert all(_units(part) <= MESSAGE_MAX for part in parts)  # emoji count twice
    assert "\n".join(parts) == text
    assert all(part.count("<b>") == part.count("</b>") for part in parts)


def test_the_first_piece_replies_and_the_last_has_the_buttons():
    outbox = Outbox()
    outbox.send(-1, "\n".join("y" * 100 for _ in range(100)), reply_to=7, remember=("card", 3))
    rows = outbox.rows
    assert len(rows) == 3
    assert ['"reply_to": 7' in row.params for row in rows] == [True, False, False]
    assert [row.remember_id for row in rows] == [None, None, 3]
