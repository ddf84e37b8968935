"""Messages too long for Telegram go as several, split between lines."""

from __future__ import annotations

from bot.choices import Offer, PostAnnouncement, offered
from bot.outbox import MESSAGE_MAX, Outbox, pieces
from handlers.receipts import CardShown
from sandbox.html import parse_html, utf16_len


def _units(text: str) -> int:
    """What Telegram counts, as the sandbox reads it."""
    return utf16_len(parse_html(text)[0])


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


def test_what_counts_is_the_text_telegram_shows():
    """Tags and entities are not what Telegram counts: &amp; is one character."""
    text = "\n".join("<b>Tom &amp; Jerry</b> &lt;3 " + "x" * 60 for _ in range(50))
    assert len(text) > MESSAGE_MAX
    assert pieces(text) == [text]


def test_the_first_piece_replies_and_a_message_with_buttons_stays_whole():
    outbox = Outbox()
    outbox.send(-1, "\n".join("y" * 100 for _ in range(100)), reply_to=7, receipt=CardShown(3))
    rows = outbox.rows
    assert len(rows) == 3
    assert ['"reply_to": 7' in row.params for row in rows] == [True, False, False]
    assert [row.remember_id for row in rows] == [None, None, 3]
    buttons = offered([Offer("Post", PostAnnouncement(1))])
    outbox.send(-1, "\n".join("z" * 100 for _ in range(100)), choices=buttons)
    assert len(outbox.rows) == 4  # one more: its buttons act on the whole text
