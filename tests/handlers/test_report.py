"""The /report chart, drawn from whatever titles the neighbourhood chats have."""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator
from handlers.report import chart
from models.oversight import Week


def test_titles_are_drawn_as_written():
    # Maths markup, a leading underscore and an emoji without a glyph: no error, no warning
    # (pytest turns warnings into errors here).
    titles = ["Kerk $\\frac$ laan", "_Achterom", "🏘️ Dorp", "שכונה"]
    weeks = [Week(n, title, date(2026, 11, 23), 1, n) for n, title in enumerate(titles)]
    assert chart(Translator("en").get("en"), weeks).startswith(b"\x89PNG")
