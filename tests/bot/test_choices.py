"""Typed choices and the data their buttons carry: byte for byte what chats already hold."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import choices
from bot.choices import (
    KINDS,
    MAX_DATA,
    ApproveAnswer,
    ApproveJoin,
    AskToEnd,
    CancelRequest,
    Choice,
    Claim,
    DeclineAnswer,
    DeclineJoin,
    DissolveNudged,
    Done,
    DropAnnouncement,
    EndGroup,
    FacilitatorEnd,
    FacilitatorKeep,
    GroupPage,
    KeepGroup,
    LinkChosen,
    Menu,
    PlaceGroup,
    PostAnnouncement,
    Release,
    RequestPage,
    Snooze,
    StillGoing,
    decode,
    encode,
)
from models.ids import NO_ROW, ROW_ID_MAX

#: Every kind as buttons in chats carry it today; a change here breaks buttons already sent.
WIRE: list[tuple[Choice, str]] = [
    (Claim(12), "rq:c:12"),
    (Release(12), "rq:r:12"),
    (Done(12), "rq:d:12"),
    (CancelRequest(12), "rq:x:12"),
    (RequestPage(3), "rl:3"),
    (GroupPage(0), "gl:0"),
    (PlaceGroup(5, 2), "ng:5:2"),
    (FacilitatorEnd(7), "fx:ok:7"),
    (FacilitatorKeep(7), "fx:no:7"),
    (Menu("help"), "menu:help"),
    (Menu("mine"), "menu:mine"),
    (StillGoing(9), "nd:go:9"),
    (Snooze(9), "nd:sz:9"),
    (DissolveNudged(9), "nd:ds:9"),
    (PostAnnouncement(4), "an:ok:4"),
    (DropAnnouncement(4), "an:no:4"),
    (ApproveAnswer(8), "jq:a:8"),
    (DeclineAnswer(8), "jq:d:8"),
    (ApproveJoin(8), "jr:a:8"),
    (DeclineJoin(8), "jr:d:8"),
    (EndGroup(6), "ds:ok:6"),
    (KeepGroup(6), "ds:no:6"),
    (AskToEnd(6), "ds:ask:6"),
    (LinkChosen(11), "lk:11"),
]


def _fields(kind: type[Choice]) -> dict[str, Any]:
    """Each field's type: int, or the words a Literal allows."""
    hints = typing.get_type_hints(kind)
    return {
        field.name: int if hints[field.name] is int else typing.get_args(hints[field.name])
        for field in dataclasses.fields(kind)
    }


def _largest(kind: type[Choice]) -> Choice:
    """The kind with the longest data it can carry: every id at a row id's maximum."""
    values: list[Any] = [
        ROW_ID_MAX if allowed is int else max(allowed, key=len)
        for allowed in _fields(kind).values()
    ]
    return kind(*values)


def _strategy(kind: type[Choice]) -> st.SearchStrategy[Choice]:
    fields = {
        name: st.integers(0, ROW_ID_MAX) if allowed is int else st.sampled_from(allowed)
        for name, allowed in _fields(kind).items()
    }
    return st.builds(kind, **fields)


ANY_CHOICE = st.one_of(*(_strategy(kind) for kind in KINDS))


@pytest.mark.parametrize(("choice", "data"), WIRE)
def test_the_wire_format_is_what_buttons_in_chats_carry(choice: Choice, data: str):
    assert encode(choice) == data
    assert decode(data) == choice


def test_every_kind_is_pinned_above():
    assert {type(choice) for choice, _data in WIRE} == set(KINDS)
    assert len(set(KINDS)) == len(KINDS) == len(choices._WIRE)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_fits_at_its_largest_ids(kind: type[Choice]):
    choice = _largest(kind)
    data = encode(choice)
    assert len(data.encode()) <= MAX_DATA
    assert decode(data) == choice


@pytest.mark.parametrize(
    "data",
    [
        "",
        "nonsense",
        "rq",
        "rq:c",
        "rq:c:",
        "rq:zz:1",
        "rq:c:-1",
        "rq:c:1:2",
        "rq:c:x",
        "rq:c:12\n",
        "RQ:c:1",
        "rq:C:1",
        "rq:c:١٢",  # digits, but not the ASCII ones a button carries
        "rq:c:9223372036854775808",  # too long to be taken for a number at all
        "rq:c:" + "1" * 21,
        "rl:x",
        "rl",
        "menu:xyz",
        "menu:mine:1",
        "menu:1",
        "ds:boom:1",
        "lk:x",
        "ng:1",
        ":rq:c:1",
        "rq::c:1",
    ],
)
def test_anything_malformed_is_no_choice(data: str):
    assert decode(data) is None


def test_a_number_too_large_for_a_row_names_no_row():
    assert decode("rq:c:99999999999") == Claim(NO_ROW)
    assert decode("rl:9999999999") == RequestPage(NO_ROW)
    assert decode(f"ng:{ROW_ID_MAX + 1}:3") == PlaceGroup(NO_ROW, 3)


@pytest.mark.parametrize(
    "choice",
    [Claim(-1), Claim(ROW_ID_MAX + 1), RequestPage(-1), Menu("other")],  # type: ignore[arg-type]
)
def test_a_choice_that_could_not_be_read_back_is_refused(choice: Choice):
    with pytest.raises(ValueError, match=r"is no row id|is none of"):
        encode(choice)


@given(ANY_CHOICE)
def test_every_choice_reads_back_as_itself(choice: Choice):
    data = encode(choice)
    assert len(data.encode()) <= MAX_DATA
    assert decode(data) == choice


@given(
    st.one_of(
        st.text(),
        st.text(alphabet="abcdgjklmnoqrsxyz0123456789:-_", max_size=30),
        st.builds(
            lambda choice, tail: encode(choice) + tail,
            ANY_CHOICE,
            st.text(alphabet=":0123456789a\n", max_size=4),
        ),
    )
)
def test_any_text_is_a_choice_or_nothing(data: str):
    choice = decode(data)
    assert choice is None or decode(encode(choice)) == choice
