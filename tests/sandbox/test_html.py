"""Telegram HTML parsing: plain text, entities in UTF-16 units, and Telegram's refusals."""

from __future__ import annotations

import pytest

from sandbox.errors import ApiError
from sandbox.html import EntityParseError, detect_entities, format_text, parse_html, trim


def test_simple_tags_become_entities() -> None:
    text, entities = parse_html("<b>vet</b> <i>schuin</i> <u>onder</u> <s>weg</s>")
    assert text == "vet schuin onder weg"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bold", 0, 3),
        ("italic", 4, 6),
        ("underline", 11, 5),
        ("strikethrough", 17, 3),
    ]


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("<strong>x</strong>", "bold"),
        ("<em>x</em>", "italic"),
        ("<ins>x</ins>", "underline"),
        ("<strike>x</strike>", "strikethrough"),
        ("<del>x</del>", "strikethrough"),
        ("<tg-spoiler>x</tg-spoiler>", "spoiler"),
        ('<span class="tg-spoiler">x</span>', "spoiler"),
        ("<code>x</code>", "code"),
        ("<pre>x</pre>", "pre"),
        ("<blockquote>x</blockquote>", "blockquote"),
        ("<blockquote expandable>x</blockquote>", "expandable_blockquote"),
        ("<B>x</B>", "bold"),
    ],
)
def test_every_supported_tag(source: str, kind: str) -> None:
    text, entities = parse_html(source)
    assert text == "x"
    assert entities == [{"type": kind, "offset": 0, "length": 1}]


def test_links_pre_language_and_custom_emoji() -> None:
    text, entities = parse_html(
        '<a href="https://example.org/?a=1&amp;b=2">site</a> '
        '<pre><code class="language-python">x = 1</code></pre> '
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    assert text == "site x = 1 👍"
    assert entities[0] == {
        "type": "text_link",
        "offset": 0,
        "length": 4,
        "url": "https://example.org/?a=1&b=2",
    }
    assert entities[1] == {"type": "pre", "offset": 5, "length": 5, "language": "python"}
    assert entities[2]["type"] == "custom_emoji"
    assert entities[2]["custom_emoji_id"] == "5368324170671202286"
    assert entities[2]["length"] == 2  # one emoji, two UTF-16 code units


def test_text_mention_uses_lookup() -> None:
    user = {"id": 7, "is_bot": False, "first_name": "Anna"}
    text, entities = parse_html(
        '<a href="tg://user?id=7">Anna</a>', lambda uid: user if uid == 7 else None
    )
    assert text == "Anna"
    assert entities == [{"type": "text_mention", "offset": 0, "length": 4, "user": user}]


def test_offsets_count_utf16_units() -> None:
    text, entities = parse_html("🏠🏠 <b>thuis</b>")
    assert text == "🏠🏠 thuis"
    assert entities == [{"type": "bold", "offset": 5, "length": 5}]


def test_html_entities_are_decoded() -> None:
    text, _ = parse_html("a &lt; b &gt; c &amp; &quot;d&quot; &#233; &#x1F600; >")
    assert text == 'a < b > c & "d" é 😀 >'


def test_nested_entities() -> None:
    text, entities = parse_html("<b>a <i>b</i></b>")
    assert text == "a b"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 3},
        {"type": "italic", "offset": 2, "length": 1},
    ]


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("<br>", 'Unsupported start tag "br"'),
        ("<foo>x</foo>", 'Unsupported start tag "foo"'),
        ("a < b", 'Unsupported start tag ""'),
        ("fish & chips", 'Character "&"'),
        ("&nbsp;", "Unsupported HTML entity"),
        ("&#0;", "Invalid numeric HTML entity"),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag"),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("<b", "Unclosed start tag"),
        ('<span class="x">y</span>', 'must have class "tg-spoiler"'),
        ("<tg-emoji>x</tg-emoji>", "emoji-id"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "Nested blockquotes"),
        ('<a href="https://a.nl"><a href="https://b.nl">x</a></a>', "Nested links"),
    ],
)
def test_invalid_markup_is_rejected(source: str, fragment: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_html(source)
    assert fragment in str(info.value)


def test_trim_moves_and_clips_entities() -> None:
    text, entities = trim("  ab  ", [{"type": "bold", "offset": 0, "length": 4}])
    assert text == "ab"
    assert entities == [{"type": "bold", "offset": 0, "length": 2}]


def _format(raw: str, mode: str | None) -> str:
    text, _ = format_text(
        raw, mode, None, limit=10, empty_error="message text is empty", long_error="too long"
    )
    return text


def test_format_text_errors_are_bot_api_errors() -> None:
    with pytest.raises(ApiError, match="message text is empty"):
        _format("  <b> </b> ", "HTML")
    with pytest.raises(ApiError, match="too long"):
        _format("x" * 11, None)
    with pytest.raises(ApiError, match="unsupported parse_mode in sandbox"):
        _format("*x*", "MarkdownV2")
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        _format("x", "BBCode")
    assert _format("<b>x</b>", "html") == "x"


def test_detect_commands_and_mentions() -> None:
    entities = detect_entities("/start@buurtbot_test tok @anna_x /help")
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bot_command", 0, 20),
        ("mention", 25, 7),
        ("bot_command", 33, 5),
    ]
