"""The markup flows write, read back as styled runs, and rendered for Telegram."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.text import Span, mention, plain, spans
from transports.telegram.render import html


def test_a_mention_names_the_person_and_telegram_links_their_profile() -> None:
    written = mention(7, "Anna <3", "anna_b")
    assert written == '<a href="person:7">Anna &lt;3</a> (@anna_b)'
    assert html(written) == '<a href="tg://user?id=7">Anna &lt;3</a> (@anna_b)'
    assert spans(written) == [Span("Anna <3", person=7), Span(" (@anna_b)")]


def test_styles_and_links_become_runs() -> None:
    found = spans('<b>Open</b> <i>requests</i>: <a href="https://example.org">site</a> &amp; more')
    assert found == [
        Span("Open", bold=True),
        Span(" "),
        Span("requests", italic=True),
        Span(": "),
        Span("site", link="https://example.org"),
        Span(" & more"),
    ]


def test_old_rows_with_telegram_links_render_unchanged() -> None:
    old = '<a href="tg://user?id=7">Anna</a>'
    assert html(old) == old


@given(st.text())
def test_what_people_type_never_becomes_a_mention_or_a_style(typed: str) -> None:
    escaped = plain(typed)
    assert html(escaped) == escaped
    runs = spans(escaped)
    assert all(not (r.bold or r.italic or r.link or r.person) for r in runs)
