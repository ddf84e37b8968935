"""What a button chooses, as a typed value, and the data that carries it.

Each kind of choice is a frozen dataclass. `encode` gives the data a button carries and
`decode` reads it back, here and nowhere else. The data is `prefix:word:id` (`rq:c:12`,
`menu:help`), byte for byte what buttons have always carried, so the ones already in
chats keep working. A choice carries no trust: it only says "someone pressed this", and
every flow checks the database before acting on it.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias, TypeVar

from models.ids import ROW_ID_MAX, parse_row_id

#: The most bytes a choice's data may take: Telegram's limit on callback data, PTB's
#: `InlineKeyboardButtonLimit.MAX_CALLBACK_DATA`. Not imported from PTB, as nothing
#: outside the Telegram side may import it; tests/handlers/test_buttons.py checks that
#: the two agree.
MAX_DATA = 64
_PART = re.compile(r"[a-z0-9_-]{1,20}")

_Kind = TypeVar("_Kind")
#: The fixed words each kind's data starts with: its prefix, and the word for the choice.
_WIRE: dict[type, tuple[str, ...]] = {}
_KINDS: dict[tuple[str, ...], type] = {}
#: Each kind's fields in the order its data carries them, and what each may be: an id
#: (or a page number), or one of a few words.
_FIELDS: dict[type, tuple[tuple[str, type[int] | tuple[str, ...]], ...]] = {}


def _wire(*words: str) -> Callable[[type[_Kind]], type[_Kind]]:
    """Registers a kind under the words its data starts with."""

    def register(kind: type[_Kind]) -> type[_Kind]:
        hints = typing.get_type_hints(kind)
        fields = []
        for field in dataclasses.fields(kind):  # type: ignore[arg-type]
            hint = hints[field.name]
            fields.append((field.name, int if hint is int else typing.get_args(hint)))
        lengths = {len(wire) for wire in _WIRE.values() if wire[0] == words[0]}
        assert lengths <= {len(words)} and words not in _KINDS, f"ambiguous: {words}"
        _WIRE[kind], _KINDS[words], _FIELDS[kind] = words, kind, tuple(fields)
        return kind

    return register


# -- a request's card -----------------------------------------------------------------------


@_wire("rq", "c")
@dataclass(frozen=True)
class Claim:
    """I'll do it (an ask) or I'd like that (an offer)."""

    request: int


@_wire("rq", "r")
@dataclass(frozen=True)
class Release:
    """The claimer lets go of a request, or no longer needs an offer."""

    request: int


@_wire("rq", "d")
@dataclass(frozen=True)
class Done:
    request: int


@_wire("rq", "x")
@dataclass(frozen=True)
class CancelRequest:
    """The asker's Cancel; coordinators use /cancel, with a reason."""

    request: int


# -- pages of a list ------------------------------------------------------------------------


@_wire("rl")
@dataclass(frozen=True)
class RequestPage:
    """A page of /requests."""

    page: int


@_wire("gl")
@dataclass(frozen=True)
class GroupPage:
    """A page of /groups."""

    page: int


# -- groups ---------------------------------------------------------------------------------


@_wire("ng")
@dataclass(frozen=True)
class PlaceGroup:
    """The neighbourhood picked for a group started in a DM by someone living in several."""

    group: int
    neighbourhood: int


@_wire("lk")
@dataclass(frozen=True)
class LinkChosen:
    """The pending group a new chat is for, picked by its owner."""

    group: int


@_wire("ds", "ok")
@dataclass(frozen=True)
class EndGroup:
    """The owner confirms ending their group."""

    group: int


@_wire("ds", "no")
@dataclass(frozen=True)
class KeepGroup:
    """The owner does not end their group after all."""

    group: int


@_wire("ds", "ask")
@dataclass(frozen=True)
class AskToEnd:
    """The owner's button on a member's suggestion to end the group: the confirmation."""

    group: int


@_wire("fx", "ok")
@dataclass(frozen=True)
class FacilitatorEnd:
    """A facilitator confirms ending a group, with the reason they gave."""

    group: int


@_wire("fx", "no")
@dataclass(frozen=True)
class FacilitatorKeep:
    group: int


# -- nudges to quiet groups -----------------------------------------------------------------


@_wire("nd", "go")
@dataclass(frozen=True)
class StillGoing:
    nudge: int


@_wire("nd", "sz")
@dataclass(frozen=True)
class Snooze:
    nudge: int


@_wire("nd", "ds")
@dataclass(frozen=True)
class DissolveNudged:
    """End the group: only its owner may, so this asks them to confirm."""

    nudge: int


# -- joining a group ------------------------------------------------------------------------


@_wire("jq", "a")
@dataclass(frozen=True)
class ApproveAnswer:
    """A coordinator lets in someone who answered the neighbourhood's join question."""

    join: int


@_wire("jq", "d")
@dataclass(frozen=True)
class DeclineAnswer:
    join: int


@_wire("jr", "a")
@dataclass(frozen=True)
class ApproveJoin:
    """The group's owner lets in someone who asked to join."""

    join: int


@_wire("jr", "d")
@dataclass(frozen=True)
class DeclineJoin:
    join: int


# -- coordinators and the DM menu -----------------------------------------------------------


@_wire("an", "ok")
@dataclass(frozen=True)
class PostAnnouncement:
    """Post the previewed announcement in the neighbourhood's chat."""

    neighbourhood: int


@_wire("an", "no")
@dataclass(frozen=True)
class DropAnnouncement:
    neighbourhood: int


MenuItem = Literal["help", "mine"]


@_wire("menu")
@dataclass(frozen=True)
class Menu:
    """The menu under the answer to a plain DM: what the bot can do, or one's groups."""

    item: MenuItem


Choice: TypeAlias = (
    Claim
    | Release
    | Done
    | CancelRequest
    | RequestPage
    | GroupPage
    | PlaceGroup
    | LinkChosen
    | EndGroup
    | KeepGroup
    | AskToEnd
    | FacilitatorEnd
    | FacilitatorKeep
    | StillGoing
    | Snooze
    | DissolveNudged
    | ApproveAnswer
    | DeclineAnswer
    | ApproveJoin
    | DeclineJoin
    | PostAnnouncement
    | DropAnnouncement
    | Menu
)
#: Every kind of choice.
KINDS: tuple[type[Choice], ...] = typing.get_args(Choice)


def prefix(kind: type[Choice]) -> str:
    """The first word of a kind's data, which it shares with the kinds of the same buttons."""
    return _WIRE[kind][0]


def encode(choice: Choice) -> str:
    """The data a button for `choice` carries; ValueError if it could not be read back."""
    parts = list(_WIRE[type(choice)])
    for name, allowed in _FIELDS[type(choice)]:
        value = getattr(choice, name)
        if isinstance(allowed, tuple):
            if value not in allowed:
                raise ValueError(f"{choice!r}: {name} is none of {allowed}")
        elif not isinstance(value, int) or not 0 <= value <= ROW_ID_MAX:
            raise ValueError(f"{choice!r}: {name} is no row id or page number")
        parts.append(str(value))
    data = ":".join(parts)
    if len(data.encode()) > MAX_DATA:
        raise ValueError(f"callback data over {MAX_DATA} bytes: {data!r}")
    return data


def decode(data: str) -> Choice | None:
    """The choice `data` carries; None for anything malformed.

    Every part is a short word or number. An id is one of our rows' ids or a page
    number: a number too large for a row becomes NO_ROW, which is looked up and not found.
    """
    parts = data.split(":")
    if not all(_PART.fullmatch(part) for part in parts):
        return None
    kind = _KINDS.get(tuple(parts[:2])) or _KINDS.get(tuple(parts[:1]))
    if kind is None:
        return None
    fields = _FIELDS[kind]
    raws = parts[len(_WIRE[kind]) :]
    if len(raws) != len(fields):
        return None
    values: list[int | str] = []
    for raw, (_name, allowed) in zip(raws, fields, strict=True):
        if isinstance(allowed, tuple):
            if raw not in allowed:
                return None
            values.append(raw)
        else:
            number = parse_row_id(raw)
            if number is None:
                return None
            values.append(number)
    choice: Choice = kind(*values)
    return choice


# -- what a message offers ------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """A choice under a message, with its label: Telegram shows it as a button."""

    label: str
    choice: Choice

    def __post_init__(self) -> None:
        encode(self.choice)  # over the limit: ValueError now, where the offer is made


@dataclass(frozen=True)
class LinkOffer:
    """A link under a message, such as a group's invite link."""

    label: str
    url: str


@dataclass(frozen=True)
class Choices:
    """What a message offers, in rows, as a transport shows it; never an empty row."""

    rows: tuple[tuple[Offer | LinkOffer, ...], ...]

    def as_params(self) -> list[list[dict[str, str]]]:
        """As an outbox row keeps them: labels with encoded data or a link."""
        return [
            [
                {"label": offer.label, "data": encode(offer.choice)}
                if isinstance(offer, Offer)
                else {"label": offer.label, "url": offer.url}
                for offer in row
            ]
            for row in self.rows
        ]


def offered(*rows: Sequence[Offer | LinkOffer]) -> Choices:
    """Choices from rows, leaving out empty ones (a page with nothing to turn to)."""
    return Choices(tuple(tuple(row) for row in rows if row))
