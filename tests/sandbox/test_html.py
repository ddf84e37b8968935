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
        ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier specified"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "Nested blockquotes"),
        ('<a href="https://a.nl"><a href="https://b.nl">x</a></a>', "Nested links"),
    ],
)
def test_invalid_markup_is_rejected(source: str, fragment: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_html(source)
    assert fragment in str(info.value)


# The expected texts and byte offsets are tdlib's own parse_html test cases.
@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
        ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
        (
            "🏟 🏟&lt;<i    aba>",
            'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13',
        ),
        ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
        ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
        ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
        ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
        (
            "🏟 🏟&lt;<i>a</em   >",
            'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"',
        ),
        (
            "<b foo>x</b>",
            'Expected equal sign in declaration of an attribute of the tag "b" at byte offset 0',
        ),
        (
            "x<i expandable>x</i>",
            'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 1',
        ),
        ("<a href=https://x.nl>x</a>", "Unexpected end of name token at byte offset 8"),
        ("<a href=a_b>x</a>", "Unexpected end of name token at byte offset 8"),
        ("<b/>x", 'Unsupported start tag "b/" at byte offset 0'),
    ],
)
def test_tdlib_error_messages(source: str, message: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_html(source)
    assert str(info.value) == message


def test_unquoted_values_are_lowercased_name_tokens() -> None:
    text, entities = parse_html(
        "<pre><code class=LANGUAGE-Py.3>x</code></pre> <span class=TG-Spoiler>y</span>"
    )
    assert text == "x y"
    assert entities == [
        {"type": "pre", "offset": 0, "length": 1, "language": "py.3"},
        {"type": "spoiler", "offset": 2, "length": 1},
    ]


def test_bare_expandable_and_anonymous_end_tags() -> None:
    text, entities = parse_html("<blockquote expandable>a</blockquote> <b>b</> <i>c</  >")
    assert text == "a b c"
    assert [e["type"] for e in entities] == ["expandable_blockquote", "bold", "italic"]
    with pytest.raises(EntityParseError, match="Unexpected end tag at byte offset 0"):
        parse_html("</>")


@pytest.mark.parametrize("source", ["fish & chips", "&nbsp;", "&#0;", "&#X41;", "&LT;"])
def test_stricter_than_telegram_says_so(source: str) -> None:
    """Telegram keeps these literally; the sandbox refuses them and says it is the sandbox."""
    with pytest.raises(ApiError) as info:
        format_text(source, "HTML", None, limit=100, empty_error="empty", long_error="long")
    assert info.value.code == 400
    assert info.value.description.startswith(
        "Bad Request: can't parse entities: sandbox check, stricter than Telegram"
    )


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
