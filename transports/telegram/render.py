"""Our markup as Telegram's HTML: the same tags, with mentions as `tg://user` links.

Rows queued before mentions were neutral hold the `tg://user` links already; they
pass through unchanged.
"""

from __future__ import annotations

from bot.text import mentions


def html(markup: str) -> str:
    return mentions(markup, "tg://user?id={id}")
