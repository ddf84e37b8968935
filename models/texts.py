"""What a typed text shows: nothing at all, or something other than what it says.

A text of zero-width and bidi controls (Unicode's format characters, Cf), spaces,
and the letters drawn as nothing (the Braille blank, the Hangul fillers) looks empty
in every client: as a request, title, reason or answer it is no text at all. Bidi
overrides, embeddings and isolates turn the text after them around, so a name with
them could make a message read as something else.
"""

from __future__ import annotations

import unicodedata

#: Letters that are drawn as nothing, though Unicode counts them as neither space nor Cf.
BLANK_LETTERS = frozenset("\u2800\u3164\u115f\u1160\uffa0")
#: Bidi embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069). Marks such as
#: U+200F only say which way a character runs, and right-to-left texts need them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NOT_SHOWN = ("Cf", "Cc")


def shows_nothing(text: str) -> bool:
    """Whether `text` is made only of characters that show nothing (an empty one too)."""
    return all(
        ch.isspace() or ch in BLANK_LETTERS or unicodedata.category(ch) in _NOT_SHOWN for ch in text
    )


def without_bidi_controls(text: str) -> str:
    """`text` as it reads, without the controls that could make it show as another."""
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)
