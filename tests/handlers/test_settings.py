"""/settings' answers to mistakes."""

from __future__ import annotations

from bot.i18n import Translator
from handlers.settings import problem
from models.settings import SettingError


def test_a_long_mistyped_key_is_shortened():
    # The key is whatever came before "=": a whole message, which Telegram would refuse.
    text = problem(Translator("en").get("en"), SettingError("x" * 5000, "form"))
    assert "x" * 39 + "…" in text and len(text) < 200
