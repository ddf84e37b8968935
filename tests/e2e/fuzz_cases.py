"""What the fuzz tests feed the bot, as hypothesis strategies: commands, presses, names.

Cases are plain values. Where a case needs something that only exists once the world
is built (an id of another chat's request, say), it holds a symbolic pick that the
replay resolves, so hypothesis never has to know the world.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from handlers.commands import TABLE
from models.settings import KEYS

T = TypeVar("T")

#: Where a case happens: a private chat, a neighbourhood chat, a group's chat, any other chat.
Place = Literal["dm", "neighbourhood", "group", "other"]
#: Who acts; "privileged" is the one who runs the chat: coordinator, group owner, chat admin.
Role = Literal["resident", "stranger", "privileged", "facilitator"]

PLACES: tuple[Place, ...] = ("dm", "neighbourhood", "group", "other")
ROLES: tuple[Role, ...] = ("resident", "stranger", "privileged", "facilitator")

#: Telegram's limit for callback data, in bytes.
MAX_DATA = 64

# -- text nobody expects ---------------------------------------------------------------

RTL = "אבגדהוזשלוםمرحباسلامعربي"
BIDI = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e"
MARKUP = "<>&*_`[]()~|#+-=.!'\"\\/:@"
#: ASCII digits and digits str.isdigit() accepts but int() may not (superscripts).
DIGITS = "0123456789²³¹١٢٣٠０１９߁"
SPACES = " \t\n\r\u00a0\u2003\u3000\u2028"
ALPHABET = RTL + BIDI + ZERO_WIDTH + MARKUP + DIGITS + SPACES + "aeKzß"
FRAGMENTS = (
    "<b>",
    "</b>",
    "<i>x</i>",
    '<a href="tg://user?id=1">x</a>',
    "<tg-spoiler>",
    "<br/>",
    "<!--",
    "&amp;",
    "&lt;",
    "&#0;",
    "&#x1F600;",
    "&",
    "*bold*",
    "_it_",
    "`code`",
    "```",
    "[x](http://x)",
    "||s||",
    "for ",
    "voor ",
    ": ",
    "@",
    "#",
    "=",
    '"',
    "-private ",
    "join_",
    "🥛",
    "👨\u200d👩\u200d👧",
    "🏳️\u200d🌈",
    "e\u0301",
    "\U0001d54f",
    "İ",
    "ﬁ",
)


def nasty(max_pieces: int = 10) -> st.SearchStrategy[str]:
    """Short text of RTL script, bidi and zero-width characters, markup and odd digits."""
    piece = st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(alphabet=ALPHABET, min_size=1, max_size=6),
        st.text(min_size=1, max_size=6),  # anything unicode has
    )
    return st.lists(piece, max_size=max_pieces).map("".join)


def huge() -> st.SearchStrategy[str]:
    """Up to 10 kB of a repeated piece: Telegram's own limit is 4096 characters."""
    return st.builds(
        lambda piece, size: (piece * (size // len(piece) + 1))[:size],
        nasty(3).filter(bool),
        st.integers(4000, 10_240),
    )


#: Numbers that are not quite ids: past 64 bits, not ASCII, not plain.
_TOO_BIG = ("9223372036854775807", "9223372036854775808", "9" * 19, "9" * 20, "1" * 30)
_NOT_PLAIN = ("#1", "#", "²", "١٢", "１２", "½", "007", "1e3", "0x10", "-0", "")
_ODD_NUMBERS = st.sampled_from((*_TOO_BIG, *_NOT_PLAIN))
NUMBERS = st.one_of(
    st.integers(0, 30).map(str),  # likely to be a real id
    st.integers(0, 10**25).map(str),
    st.integers(-99, -1).map(str),
    st.integers(4300, 4400).map(lambda n: "9" * n),  # more digits than int() reads
    _ODD_NUMBERS,
    _ODD_NUMBERS,  # twice: these are the ones that used to break things
)


def _words(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map(lambda words: " ".join(w for w in words if w))


def _setting() -> st.SearchStrategy[str]:
    values = st.one_of(
        st.sampled_from(["nl", "en", "Europe/Amsterdam", "Europe", "../etc", "a" * 300]),
        st.sampled_from(["22:00-08:00", "off", "25:00-08:00", "-", "+@nobody_here", "-123"]),
        NUMBERS,
        nasty(4),
        nasty(4).map(lambda t: f'"{t}"'),
        huge(),
    )
    return st.tuples(
        st.sampled_from([*KEYS, "bogus", ""]), st.sampled_from(["=", "", "=="]), values
    ).map("".join)


def _shaped(name: str) -> st.SearchStrategy[str]:
    """Arguments shaped like what the command expects, with odd parts in them."""
    text = nasty()
    mention = st.one_of(st.just("@nobody_here"), nasty(2).map(lambda t: "@" + t))
    shapes: dict[str, st.SearchStrategy[str]] = {
        "ask": _words(st.sampled_from(["for", "voor", ""]), text, st.sampled_from([":", ""]), text),
        "cancel": _words(NUMBERS, text),
        "newgroup": _words(st.sampled_from(["-private", "-p", "-besloten", ""]), text),
        "settings": _words(NUMBERS, _setting(), st.one_of(_setting(), huge())),
        "announce": _words(NUMBERS, st.one_of(text, huge())),
        "ban": _words(NUMBERS, st.one_of(mention, NUMBERS), text),
        "dissolve": _words(NUMBERS, st.one_of(text, huge())),
        "start": st.one_of(NUMBERS.map(lambda n: "join_" + n), text),
        "invite": mention,
    }
    shapes["offer"] = shapes["ask"]
    shapes["unban"] = shapes["ban"]
    for plain in ("group", "nudge", "audit"):
        shapes[plain] = _words(NUMBERS, text)
    return shapes.get(name, text)


@dataclass(frozen=True)
class CommandCase:
    """One command with its arguments, sent by someone in some kind of chat."""

    name: str
    args: str
    separator: str
    addressed: bool  # /name@bot, as clients write in groups
    place: Place
    role: Role

    def text(self, bot_username: str) -> str:
        head = f"/{self.name}@{bot_username}" if self.addressed else f"/{self.name}"
        return f"{head}{self.separator}{self.args}" if self.args else head


def commands() -> st.SearchStrategy[CommandCase]:
    def case(name: str) -> st.SearchStrategy[CommandCase]:
        return st.builds(
            CommandCase,
            name=st.just(name),
            args=st.one_of(_shaped(name), nasty(), huge()),
            separator=st.sampled_from([" ", "\n", "  ", "\u00a0", "\u3000"]),
            addressed=st.booleans(),
            place=st.sampled_from(PLACES),
            role=st.sampled_from(ROLES),
        )

    return st.one_of(*(case(command.name) for command in TABLE))


# -- button presses --------------------------------------------------------------------

Kind = Literal["request", "group", "neighbourhood", "nudge", "join_request"]
PAGE = "page"

#: The callback data handlers/*.py read with buttons.parse: prefix, then each part.
SHAPES: dict[str, tuple[tuple[str, ...] | Kind | Literal["page"], ...]] = {
    "rq": (("c", "r", "d", "x"), "request"),
    "rl": ("page",),
    "ng": ("group", "neighbourhood"),
    "fx": (("ok", "no"), "group"),
    "nd": (("go", "sz", "ds"), "nudge"),
    "an": (("ok", "no"), "neighbourhood"),
    "jq": (("a", "d"), "join_request"),
    "ds": (("ok", "no", "ask"), "group"),
    "lk": ("group",),
    "jr": (("a", "d"), "join_request"),
}


@dataclass(frozen=True)
class Foreign:
    """The `pick`-th thing of `kind` that belongs to another chat than the pressed one."""

    kind: Kind
    pick: int


Part = str | Foreign


@dataclass(frozen=True)
class Forged:
    """Button data in the bot's own format, with ids from elsewhere or made up."""

    parts: tuple[Part, ...]

    def render(self, resolve: Callable[[Foreign], str]) -> str:
        text = ":".join(resolve(p) if isinstance(p, Foreign) else p for p in self.parts)
        return clip(text)


def clip(text: str) -> str:
    """Cut to Telegram's 64 bytes on a character boundary; never empty."""
    data = text.encode()[:MAX_DATA].decode(errors="ignore")
    return data or "?"


ODD_PARTS = st.one_of(NUMBERS, nasty(2), st.sampled_from(["", "C", "1\n", " 1", "+1", "-0", "x"]))


def _forged() -> st.SearchStrategy[Forged]:
    def shaped(prefix: str) -> st.SearchStrategy[Forged]:
        valid: list[st.SearchStrategy[Part]] = []
        for part in SHAPES[prefix]:
            if isinstance(part, tuple):
                valid.append(st.sampled_from(part))
            elif part == PAGE:
                valid.append(st.integers(0, 3).map(str))
            else:
                valid.append(st.builds(Foreign, kind=st.just(part), pick=st.integers(0, 1000)))
        head = st.just(prefix)
        whole = st.tuples(head, *valid)
        # Mostly the right shape with one odd part, so that the odd part is what gets read.
        one_odd = [
            st.tuples(head, *(ODD_PARTS if i == odd else v for i, v in enumerate(valid)))
            for odd in range(len(valid))
        ]
        return st.one_of(
            whole,
            *one_odd,
            *one_odd,
            st.tuples(head, *(st.one_of(v, ODD_PARTS) for v in valid)),
            whole.map(lambda p: p[:-1]),  # a part short
            st.tuples(whole, ODD_PARTS).map(lambda pair: (*pair[0], pair[1])),  # one too many
        ).map(Forged)

    return st.one_of(*(shaped(prefix) for prefix in SHAPES))


def _junk() -> st.SearchStrategy[str]:
    return st.one_of(
        st.binary(min_size=1, max_size=MAX_DATA).map(lambda b: clip(b.decode(errors="replace"))),
        st.text(min_size=1, max_size=MAX_DATA).map(clip),
        nasty(4).map(clip),
    )


@dataclass(frozen=True)
class Own:
    """The `pick`-th button the pressed message really has, pressed by whoever it is."""

    pick: int


@dataclass(frozen=True)
class PressCase:
    """A press on one of the bot's messages, with data a modified client could send."""

    data: str | Forged | Own
    place: Place
    role: Role
    message: int  # which of the bot's messages in that chat


def presses() -> st.SearchStrategy[PressCase]:
    return st.builds(
        PressCase,
        data=st.one_of(_junk(), _forged(), st.builds(Own, st.integers(0, 5))),
        place=st.sampled_from(PLACES),
        role=st.sampled_from(ROLES),
        message=st.integers(0, 1000),
    )


# -- names -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NameCase:
    """A person whose names are full of markup, and a chat title like it, within
    Telegram's lengths. Telegram keeps control characters out of names and titles."""

    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    title: str


def _printable(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")


def _name(size: int) -> st.SearchStrategy[str]:
    return st.one_of(nasty(), st.text(min_size=1, max_size=size)).map(
        lambda t: _printable(t)[:size]
    )


def names() -> st.SearchStrategy[NameCase]:
    return st.builds(
        NameCase,
        first_name=_name(64).filter(str.strip),
        last_name=st.one_of(st.none(), _name(64)),
        username=st.one_of(
            st.none(),
            st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,31}", fullmatch=True),
            _name(32),
        ),
        language_code=st.sampled_from([None, "nl", "en", "de", "nl-BE", "EN", ""]),
        title=_name(128).filter(str.strip),
    )


# -- drawing ---------------------------------------------------------------------------


def draw(strategy: st.SearchStrategy[T], count: int, at: int, *, per_example: int = 5) -> list[T]:
    """`count` cases from hypothesis's own engine, reproducible from the seed `at`.

    Hypothesis cannot drive an async test that needs a running bot, so its examples are
    collected first and replayed in batches afterwards. Each example is a few cases: that
    spends less of hypothesis's time per case.
    """
    found: list[T] = []

    @seed(at)
    @settings(
        max_examples=-(-count // per_example),
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(strategy, min_size=per_example, max_size=per_example))
    def collect(cases: list[T]) -> None:
        found.extend(cases)

    collect()
    return found[:count]
