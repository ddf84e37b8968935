"""Rich text as flows write it: a tiny markup that every transport can render.

Flows write `<b>`, `<i>`, `<a href="https://…">` and mentions, which the
catalogues already hold, with every inserted value escaped by `plain` (the
translator does that). A mention names a person, not a messenger's link:
`<a href="person:ID">name</a>`. Telegram renders the markup as its HTML, turning
mentions into `tg://user` links; a transport without HTML reads it with `spans`
(Signal: a body with text styles and mention ranges).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from models.texts import without_bidi_controls

#: How a mention's person is written in the markup; the id is the stored person id.
PERSON = "person:"
_MENTION = re.compile(r'<a href="person:(\d+)">')


class Markup(str):
    """Text that is already markup, with its values escaped: never escaped again."""

    __slots__ = ()


def plain(value: object) -> str:
    """A value as it goes into a message: shown as it reads, never as markup."""
    return html.escape(without_bidi_controls(str(value)), quote=False)


def mention(person_id: int, name: str, username: str | None = None) -> Markup:
    """A name that opens the person's profile, so that a neighbour can write to them."""
    link = f'<a href="{PERSON}{person_id}">{plain(name)}</a>'
    return Markup(f"{link} (@{plain(username)})" if username else link)


def mentions(markup: str, link: str) -> str:
    """The markup with each mention's target written by `link`, a format with `{id}`."""
    return _MENTION.sub(lambda m: f'<a href="{link.format(id=m.group(1))}">', markup)


@dataclass(frozen=True)
class Span:
    """A run of text and how it is shown: bold, italic, a link or a mention."""

    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None
    person: int | None = None


def spans(markup: str) -> list[Span]:
    """The markup as runs of plain text with their styles, for transports without HTML."""
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    return reader.found


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Span] = []
        self.bold = 0
        self.italic = 0
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "b":
            self.bold += 1
        elif tag == "i":
            self.italic += 1
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "b":
            self.bold -= 1
        elif tag == "i":
            self.italic -= 1
        elif tag == "a":
            self.href = None

    def handle_data(self, data: str) -> None:
        href = self.href
        person = int(href[len(PERSON) :]) if href and href.startswith(PERSON) else None
        self.found.append(
            Span(
                data,
                bold=self.bold > 0,
                italic=self.italic > 0,
                link=href if person is None else None,
                person=person,
            )
        )
