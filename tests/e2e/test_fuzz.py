"""Fuzzing the running bot: odd command arguments, forged buttons, names full of markup.

Hypothesis draws the cases (tests/e2e/fuzz_cases.py); they are replayed in batches
against the real bot over the sandbox, without waiting for each reply: the bot sends at
most ~29 messages a second, while a press needs only an answer, which is not paced. So
commands and presses go mixed, and presses are handled while replies wait their turn.
Once a batch has settled, these must hold: nothing reached the error handler (or logged
an error), the sandbox refused none of the bot's calls, every press was answered, and
the database is consistent.

The world (neighbourhoods, groups, other chats, people) is built once per module; each
test starts the bot afresh on that database, with fresh per-minute limits: Telegram's
20 messages a minute per group chat, and the bot's brake of 20 commands a minute per
person. The replay keeps under both (see ``Run``): reaching them would stall the bot
for a minute or silence people, and test nothing.
Set BUURTBOT_FUZZ_SEED to draw a failed run's cases again; a failure names its seed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import random
import time
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio
from sqlalchemy import Select, String, Text, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from bot.context import BuurtApplication
from bot.scheduler import ROUND
from handlers.commands import BY_NAME
from handlers.roles import RESTRICTED
from models import (
    Base,
    Group,
    GroupStatus,
    JoinRequest,
    JoinRequestStatus,
    Neighbourhood,
    Nudge,
    NudgeStatus,
    Request,
    RequestKind,
    RequestState,
)
from models.texts import without_bidi_controls
from sandbox import Call, Chat, PressHandle, Sandbox, SentMessage, User
from tests.e2e import fuzz_cases
from tests.e2e.conftest import BOT_USERNAME, TOKEN, db, make_config, running
from tests.e2e.fuzz_cases import (
    CommandCase,
    Foreign,
    Forged,
    NameCase,
    Own,
    Place,
    PressCase,
    Role,
)
from tests.e2e.groups_world import invite_link_of, token_of
from transports.telegram.app import services_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

T = TypeVar("T")
U = TypeVar("U")

SEED = int(os.environ.get("BUURTBOT_FUZZ_SEED") or random.randrange(2**32))
COMMANDS, PRESSES, NAMES = 300, 1580, 120  # 2,000 cases a run
BATCHES = 3

#: Commands and presses one person sends per bot run: under the bot's brake of 20 a minute.
USER_EVENTS = 18
#: Calls we let the bot make into one group chat per run: Telegram allows 20 a minute.
CHAT_CALLS = 15
#: How long the bot must have made no call before a batch counts as handled.
QUIET = 0.25
#: How long one step of building the world may take, on a busy machine too.
WAIT = 20.0

NEIGHBOURHOODS, GROUPS, OTHERS = 8, 5, 3
RESIDENTS, FACILITATORS, STARTED = 3, 6, 10
TITLES = ("Kerk<laan> & co", 'De "Hoek"', "שכונה", "Straat\u202e1", "🏘️ Dorp", "a&amp;b")


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _interleave(first: Sequence[T], second: Sequence[U]) -> list[T | U]:
    """Both lists in their own order, spread evenly through each other."""
    placed = [((i + 0.5) / len(first), 0, i) for i in range(len(first))]
    placed += [((i + 0.5) / len(second), 1, i) for i in range(len(second))]
    return [first[i] if which == 0 else second[i] for _, which, i in sorted(placed)]


# -- the world ---------------------------------------------------------------------------


@dataclass
class Spot:
    """A group chat the fuzz writes in: who runs it, and who may write there."""

    chat: Chat
    kind: Place
    admin: User  # the neighbourhood's coordinator, the group's owner, the chat's creator
    members: list[User]


@dataclass
class World:
    sb: Sandbox
    config: Config
    facilitators: list[User]
    coordinators: list[User]
    spots: dict[Place, list[Spot]]
    strangers: list[User] = field(default_factory=list)
    names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def newcomer(self) -> User:
        return self.sb.add_user(f"Nieuw{next(self.names)}", language_code="en")

    @property
    def residents(self) -> list[User]:
        return [user for spot in self.spots["neighbourhood"] for user in spot.members]


async def _street(sb: Sandbox, facilitators: list[User], n: int, title: str = "") -> Spot:
    """A neighbourhood; its residents are in the chat, and the bot learns of them as they act."""
    admin = sb.add_user(f"Coord{n}", language_code=("nl", "en")[n % 2])
    residents = [sb.add_user(f"Bewoner{n}x{k}", language_code="en") for k in range(RESIDENTS)]
    helpers = facilitators if n < 2 else []
    title = title or TITLES[n % len(TITLES)] + str(n)
    chat = sb.add_group(title, members=[*residents, *helpers], admins=[admin], supergroup=True)
    await chat.add_bot(by=admin)
    await sb.promote_bot(chat, by=admin, can_invite_users=True, can_restrict_members=True)
    for command in ("/setup", f"/ask klusje {n} <voor> & na"):
        await admin.send(chat, command)
        await chat.next_bot_message(WAIT)
    return Spot(chat, "neighbourhood", admin, [*residents, *helpers])


async def _spin_up(sb: Sandbox, street: Spot, owner: User, title: str, private: bool) -> Chat:
    """A group started from a street with /newgroup, its chat linked and the bot an admin."""
    await owner.send(street.chat, f"/newgroup {'-private ' if private else ''}{title}")
    reply = await street.chat.next_bot_message(WAIT)
    chat = sb.add_group(title, members=[owner], admins=[owner], supergroup=True)
    await chat.add_bot(by=owner, payload=token_of(reply))
    await chat.next_bot_message(WAIT)  # the welcome
    await sb.promote_bot(chat, by=owner, can_invite_users=True, can_restrict_members=True)
    await chat.next_bot_message(WAIT)  # "I can let neighbours in now"
    return chat


async def _group(sb: Sandbox, street: Spot, n: int, facilitators: list[User]) -> Spot:
    """A group of residents: facilitators stay out, as a closed group keeps them out."""
    owner = street.members[0]
    chat = await _spin_up(sb, street, owner, f"Groep <{n}> & zo", private=False)
    members = [owner, *(m for m in street.members[1:] if m not in facilitators), street.admin]
    for member in members[1:]:
        await member.send(street.chat, "Hallo buren")  # known as a resident: welcome in
        await chat.join(member)
    return Spot(chat, "group", owner, members)


async def _other(sb: Sandbox, facilitators: list[User], n: int) -> Spot:
    admin = sb.add_user(f"Beheer{n}", language_code="nl")
    members = [sb.add_user(f"Lid{n}x{k}", language_code="en") for k in range(RESIDENTS)]
    chat = sb.add_group(
        f"Los <{n}>", members=[*members, *facilitators], admins=[admin], supergroup=True
    )
    await chat.add_bot(by=admin)
    await members[0].send(chat, "/help")
    await chat.next_bot_message(WAIT)
    return Spot(chat, "other", admin, [*members, *facilitators])


async def _decoys(sb: Sandbox, app: BuurtApplication, facilitator: User) -> None:
    """Things of a chat nobody fuzzes: their ids turn up in forged buttons elsewhere."""
    street = await _street(sb, [], NEIGHBOURHOODS, title="Achterom")
    one, two = street.members[:2]
    await two.send(street.chat, "/offer een ladder")
    await street.chat.next_bot_message(WAIT)
    private = await _spin_up(sb, street, one, "Achter de schermen", private=True)
    await two.request_join(invite_link_of(sb, private))
    await private.next_bot_message(WAIT)  # the owner is asked to decide: a pending request
    await two.send(street.chat, "/newgroup Nog niet gestart")
    await street.chat.next_bot_message(WAIT)  # a pending group
    async with db(app) as session:
        group_id = await session.scalar(select(Group.id).where(Group.chat_id == private.id))
    await facilitator.send(facilitator.dm, f"/nudge {group_id}")
    await facilitator.dm.next_bot_message(WAIT)
    await private.next_bot_message(WAIT)  # the nudge, with its buttons


async def build_world(sb: Sandbox, path: Path) -> World:
    facilitators = [
        sb.add_user(f"Fac{n}", language_code=("en", "nl")[n % 2]) for n in range(FACILITATORS)
    ]
    config = make_config(sb, path, [user.id for user in facilitators])
    # No guessing which group a chat is for: under load it would race the /setup of streets.
    groups_config = config.groups.model_copy(update={"payload_wait_seconds": 600})
    config = config.model_copy(update={"groups": groups_config})
    async with running(sb, config) as app:
        # Chats that do not depend on each other are set up side by side.
        streets, others = await asyncio.gather(
            asyncio.gather(*(_street(sb, facilitators, n) for n in range(NEIGHBOURHOODS))),
            asyncio.gather(*(_other(sb, facilitators, n) for n in range(OTHERS))),
        )
        groups, _ = await asyncio.gather(
            asyncio.gather(*(_group(sb, streets[n], n, facilitators) for n in range(GROUPS))),
            _decoys(sb, app, facilitators[0]),
        )
        world = World(
            sb,
            config,
            facilitators,
            [spot.admin for spot in streets],
            {
                "dm": [],
                "neighbourhood": list(streets),
                "group": list(groups),
                "other": list(others),
            },
        )
        # People with a message from the bot in their private chat, to press buttons on.
        starters = [*world.coordinators, *facilitators, *world.residents[:STARTED]]
        await asyncio.gather(*(_start(user, WAIT) for user in dict.fromkeys(starters)))
        await settle(sb, app)
    return world


async def _start(user: User, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    await user.start()
    await user.dm.next_bot_message(timeout)


# -- settling and checking ---------------------------------------------------------------


async def settle(sb: Sandbox, app: BuurtApplication, timeout: float = 40.0) -> None:  # noqa: ASYNC109
    """Wait until the bot fetched every update, handled it, and made no call for a while."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await sb.idle(timeout)
    processor = app.update_processor
    while True:
        calls = [call for call in sb.calls[-300:] if call.method != "getUpdates"]
        busy = (
            processor.current_concurrent_updates > 0
            or not app.update_queue.empty()
            or any(call.ok is None for call in calls)
        )
        if not busy and (not calls or time.monotonic() - calls[-1].time >= QUIET):
            return
        if loop.time() > deadline:
            raise AssertionError(f"the bot did not settle within {timeout}s\n{sb.world.summary()}")
        await asyncio.sleep(0.05)


#: Columns whose values must be members of an enum.
ENUMS = (
    (Request.kind, RequestKind),
    (Request.state, RequestState),
    (Group.status, GroupStatus),
    (JoinRequest.status, JoinRequestStatus),
    (Nudge.status, NudgeStatus),
)


async def database_problems(session: AsyncSession) -> list[str]:
    """What is inconsistent in the bot's (SQLite) database; empty when all is well."""
    problems = [
        f"foreign key: {tuple(row)}"
        for row in await session.execute(text("PRAGMA foreign_key_check"))
    ]
    integrity = list(await session.scalars(text("PRAGMA quick_check")))
    if integrity != ["ok"]:
        problems.append(f"integrity: {integrity}")
    for column, enum in ENUMS:
        values = set(await session.scalars(select(column).distinct()))
        problems += [f"{column}: {value!r}" for value in values - {member.value for member in enum}]
    rules = {
        "an open request with a claimer": (
            Request.state == RequestState.OPEN,
            Request.claimer_id.is_not(None),
        ),
        "a claimed request without its claimer": (
            Request.state == RequestState.CLAIMED,
            or_(Request.claimer_id.is_(None), Request.claimed_at.is_(None)),
        ),
        "a done request without helper or end": (
            Request.state == RequestState.DONE,
            or_(Request.claimer_id.is_(None), Request.closed_at.is_(None)),
        ),
        "a cancelled request without an end": (
            Request.state == RequestState.CANCELLED,
            Request.closed_at.is_(None),
        ),
        "a request claimed by its asker": (Request.claimer_id == Request.asker_id,),
    }
    for problem, where in rules.items():
        problems += [
            f"{problem}: #{i}" for i in await session.scalars(select(Request.id).where(*where))
        ]
    groups = {
        "an active group without a chat": (
            Group.status == GroupStatus.ACTIVE,
            or_(Group.chat_id.is_(None), Group.linked_at.is_(None)),
        ),
        "a pending group with a chat": (
            Group.status == GroupStatus.PENDING,
            Group.chat_id.is_not(None),
        ),
        "a dissolved group without a date": (
            Group.status == GroupStatus.DISSOLVED,
            Group.dissolved_at.is_(None),
        ),
    }
    for problem, where in groups.items():
        problems += [
            f"{problem}: #{i}" for i in await session.scalars(select(Group.id).where(*where))
        ]
    both = (
        select(Neighbourhood.chat_id)
        .join(Group, Group.chat_id == Neighbourhood.chat_id)
        .where(Neighbourhood.active, Group.status == GroupStatus.ACTIVE)
    )
    problems += [f"chat {c} is a neighbourhood and a group" for c in await session.scalars(both)]
    problems += await _column_problems(session)
    return problems


async def _column_problems(session: AsyncSession) -> list[str]:
    """Text SQLite stores but PostgreSQL would refuse: too long for its column, or a NUL."""
    existing = set(
        await session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
    )
    problems = []
    for table in Base.metadata.sorted_tables:
        if table.name not in existing:
            continue  # a model whose migration is not written yet
        for column in table.columns:
            if not isinstance(column.type, String | Text):
                continue
            limit = column.type.length
            if limit is not None:
                longest = await session.scalar(select(func.max(func.length(column))))
                if longest is not None and longest > limit:
                    problems.append(f"{column}: {longest} characters in a column of {limit}")
            nul = await session.scalar(select(func.count()).where(func.instr(column, "\x00") > 0))
            if nul:
                problems.append(f"{column}: {nul} values with a NUL character")
    return problems


# -- one run of the bot over the world ----------------------------------------------------


class Run:
    """The bot, started afresh over the world; replays cases within its per-minute limits.

    Each person sends at most USER_EVENTS commands and presses (newcomers join a chat when
    its people are used up), and each group chat gets at most CHAT_CALLS calls we expect the
    bot to make there; a case that finds no room goes to a private chat instead.
    """

    def __init__(
        self, world: World, app: BuurtApplication, caplog: pytest.LogCaptureFixture
    ) -> None:
        self.world, self.sb, self.app, self.caplog = world, world.sb, app, caplog
        self.uses: Counter[int] = Counter()
        self.load: Counter[int] = Counter()
        self.handles: list[PressHandle] = []
        self.first_call = len(self.sb.calls)
        self.sent = 0

    # -- choosing who acts where --

    def _free(self, user: User) -> bool:
        return self.uses[user.id] < USER_EVENTS

    def _spot(self, place: Place, cost: int, *, with_messages: bool = False) -> Spot | None:
        """The least used living chat of this kind that can take `cost` more calls."""
        candidates = [
            spot
            for spot in self.world.spots[place]
            if spot.chat.bot_present
            and not spot.chat.deleted
            and self.load[spot.chat.id] + cost <= CHAT_CALLS
            and (not with_messages or _messages(spot.chat))
        ]
        return min(candidates, key=lambda spot: self.load[spot.chat.id], default=None)

    async def _in_spot(self, spot: Spot, role: Role) -> User:
        chat = spot.chat
        present = [user for user in spot.members if chat.member(user).present and self._free(user)]
        if role == "privileged" and chat.member(spot.admin).present and self._free(spot.admin):
            return spot.admin
        if role == "facilitator":
            present = [u for u in present if u in self.world.facilitators] or present
        if present:
            return present[0]
        user = self.world.newcomer()
        await chat.join(user)
        spot.members.append(user)
        return user

    def _in_dm(self, role: Role, *, with_messages: bool = False) -> User | None:
        pools = {
            "privileged": self.world.coordinators,
            "facilitator": self.world.facilitators,
            "resident": self.world.residents,
            "stranger": self.world.strangers,
        }
        for pool in (pools[role], *pools.values()):
            for user in pool:
                if self._free(user) and (not with_messages or _messages(user.dm)):
                    return user
        if with_messages:
            return None
        user = self.world.newcomer()
        self.world.strangers.append(user)
        return user

    def _acted(self, user: User, chat: Chat, cost: int) -> None:
        self.uses[user.id] += 1
        if chat.is_group:
            self.load[chat.id] += cost
        self.sent += 1

    # -- replaying --

    async def command(self, case: CommandCase) -> None:
        cost = _command_cost(case)
        spot = self._spot(case.place, cost) if case.place != "dm" else None
        if spot is not None:
            user, chat = await self._in_spot(spot, case.role), spot.chat
        else:
            found = self._in_dm(case.role)
            assert found is not None
            user, chat = found, found.dm
        await user.send(chat, case.text(BOT_USERNAME))
        self._acted(user, chat, cost)

    async def press(self, case: PressCase, ids: Ids) -> None:
        user: User | None = None
        message: SentMessage | None = None
        cost = _press_cost(case)
        places: list[Place] = [case.place, "neighbourhood", "group", "other", "dm"]
        for place in dict.fromkeys(places):
            if place == "dm":
                user = self._in_dm(case.role, with_messages=True)
                chat = user.dm if user is not None else None
            else:
                spot = self._spot(place, cost, with_messages=True)
                chat = spot.chat if spot is not None else None
                user = await self._in_spot(spot, case.role) if spot is not None else None
            if user is not None and chat is not None:
                messages = _messages(chat)
                if isinstance(case.data, Own):  # a message with buttons, where there is one
                    messages = [m for m in messages if _callbacks(m)] or messages
                message = messages[case.message % len(messages)]
                break
        if user is None or message is None:  # rare: everyone with a private chat is busy
            user = self.world.newcomer()
            self.world.strangers.append(user)
            await _start(user, timeout=30)
            self.uses[user.id] += 1
            message = _messages(user.dm)[0]
        if isinstance(case.data, Own):
            buttons = _callbacks(message)
            data = buttons[case.data.pick % len(buttons)] if buttons else "?"
        elif isinstance(case.data, Forged):
            data = case.data.render(ids.resolver(message.chat.id))
        else:
            data = case.data
        self.handles.append(await user.press_data(message, data))
        self._acted(user, message.chat, cost)

    def _left(self, call: Call) -> bool:
        """A 403 from a group chat the bot has left (a group was ended, say): updates sent
        there just before are still handled, and their answers cannot arrive."""
        chat_id = call.params.get("chat_id")
        chat = self.sb.chats.get(chat_id) if isinstance(chat_id, int) else None
        return (
            call.error_code == 403 and chat is not None and chat.is_group and not chat.bot_present
        )

    async def check(self, what: str) -> None:
        """Settle, then assert every invariant over everything since the bot started."""
        await settle(self.sb, self.app)
        errors = [r for r in self.caplog.records if r.levelno >= logging.ERROR]
        refused = [
            c
            for c in self.sb.calls[self.first_call :]
            if c.ok is False and c.method != "getUpdates" and not self._left(c)
        ]
        unanswered = [h.data for h in self.handles if not h.answered]
        async with db(self.app) as session:
            problems = await database_problems(session)
        failures = {
            "logged errors": [_describe(record) for record in errors],
            "refused calls": [f"{c!r} {c.params}" for c in refused[:10]],
            "unanswered presses": unanswered[:10],
            "database": problems,
            "sandbox failures": [repr(e) for e in self.sb.server.internal_errors],
        }
        failures = {key: value for key, value in failures.items() if value}
        assert not failures, f"{what} (BUURTBOT_FUZZ_SEED={SEED}): {failures}"


def _describe(record: logging.LogRecord) -> str:
    """A log record, with where its exception was raised: enough to find the handler."""
    error = record.exc_info[1] if record.exc_info else None
    if error is None:
        return record.getMessage()
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/site-packages/" not in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{record.getMessage()}: {error!r} at {where}"


#: Forged buttons that act without looking at the chat they were pressed in: pressed by a
#: coordinator or facilitator, they may edit the pressed message. (The owners' buttons do
#: the same, but only for their own groups; pages turn only with a listing's own buttons.)
EDITING = {"an", "fx"}


def _command_cost(case: CommandCase) -> int:
    """Calls a command may make into its group chat: a reply (or a card), an admin check
    for the commands not everyone may use, more for those that look around or act."""
    cost = 1 + (BY_NAME[case.name].who in RESTRICTED or case.name == "help")
    cost += case.role in ("privileged", "facilitator")  # e.g. the card /cancel edits
    return cost + (3 if case.name in ("setup", "ban", "unban", "invite") else 0)


def _press_cost(case: PressCase) -> int:
    """Calls a press may make into a group chat: the answer itself is never counted.
    A message's own button may edit it, and say something too (a dissolve question)."""
    if isinstance(case.data, Own):
        return 2
    privileged = case.role in ("privileged", "facilitator")
    return int(isinstance(case.data, Forged) and case.data.parts[0] in EDITING and privileged)


def _messages(chat: Chat) -> list[SentMessage]:
    return [m for m in chat.bot_messages if not m.deleted and m.kind == "text"]


def _callbacks(message: SentMessage) -> list[str]:
    return [b["callback_data"] for row in message.buttons for b in row if b["callback_data"]]


Pair = tuple[int, int | None]  # a thing's id, and the chat it belongs to


@dataclass
class Ids:
    """What exists now, by kind, with the chat each thing belongs to."""

    things: dict[str, list[Pair]]

    @classmethod
    async def load(cls, app: BuurtApplication) -> Ids:
        async with db(app) as session:

            async def pairs(statement: Select[int, Any]) -> list[Pair]:
                return [(row[0], row[1]) for row in await session.execute(statement)]

            groups = await pairs(select(Group.id, Group.chat_id))
            chat_of = dict(groups)
            nudges = await pairs(select(Nudge.id, Nudge.group_id))
            joins = await pairs(select(JoinRequest.id, JoinRequest.group_id))
            things = {
                "request": await pairs(select(Request.id, Request.chat_id)),
                "group": groups,
                "neighbourhood": await pairs(select(Neighbourhood.id, Neighbourhood.chat_id)),
                "nudge": [(i, chat_of.get(g) if g else None) for i, g in nudges],
                "join_request": [(i, chat_of.get(g) if g else None) for i, g in joins],
            }
        return cls(things)

    def resolver(self, chat_id: int) -> Callable[[Foreign], str]:
        def resolve(foreign: Foreign) -> str:
            elsewhere = [i for i, chat in self.things[foreign.kind] if chat != chat_id]
            return str(elsewhere[foreign.pick % len(elsewhere)]) if elsewhere else "424242"

        return resolve


# -- the fixtures and the tests -----------------------------------------------------------


@dataclass
class Fuzz:
    world: World
    commands: list[CommandCase]
    presses: list[PressCase]
    names: list[NameCase]

    @contextlib.asynccontextmanager
    async def run(self, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Run]:
        caplog.set_level(logging.WARNING)
        self.world.sb.world.updates.drop_all()  # left by a test that failed halfway
        async with running(self.world.sb, self.world.config) as app:
            # The scheduler's round is not what this fuzzes; its first one would come at 30 s.
            services_of(app).timer.cancel(ROUND)
            run = Run(self.world, app, caplog)
            yield run


def _draw_all() -> tuple[list[CommandCase], list[PressCase], list[NameCase]]:
    return (
        fuzz_cases.draw(fuzz_cases.commands(), COMMANDS, SEED),
        fuzz_cases.draw(fuzz_cases.presses(), PRESSES, SEED + 1),
        fuzz_cases.draw(fuzz_cases.names(), NAMES, SEED + 2),
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fuzz(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Fuzz]:
    # Drawing is CPU work; it runs while building the world mostly waits on the rate limiter.
    drawing = asyncio.create_task(asyncio.to_thread(_draw_all))
    async with Sandbox(token=TOKEN, bot_username=BOT_USERNAME) as sb:
        world = await build_world(sb, tmp_path_factory.mktemp("fuzz"))
        commands, presses, names = await drawing
        yield Fuzz(world, commands, presses, names)


async def test_command_arguments_and_button_data(fuzz: Fuzz, caplog: pytest.LogCaptureFixture):
    """Commands and presses, mixed: presses are handled while replies wait on the rate limiter."""
    assert (len(fuzz.commands), len(fuzz.presses)) == (COMMANDS, PRESSES)
    mixed = _interleave(fuzz.commands, fuzz.presses)
    async with fuzz.run(caplog) as run:
        for number, batch in enumerate(_batches(mixed, len(mixed) // BATCHES + 1)):
            ids = await Ids.load(run.app)
            for case in batch:
                if isinstance(case, CommandCase):
                    await run.command(case)
                else:
                    await run.press(case, ids)
            await run.check(f"batch {number}")
        assert len(run.handles) == PRESSES


async def test_display_names(fuzz: Fuzz, caplog: pytest.LogCaptureFixture):
    """People with markup in their names join, start the bot, ask and claim, and are listed
    as members; chats get titles like it, which the overview and the report show."""
    assert len(fuzz.names) == NAMES
    async with fuzz.run(caplog) as run:
        await _names(run, fuzz.names)
        await run.check("names")


START_EVERY = 4  # a greeting is a message of its own; a members list shows everyone at once


async def _names(run: Run, cases: Sequence[NameCase]) -> None:
    world, sb = run.world, run.sb
    streets = [spot for spot in world.spots["neighbourhood"] if spot.chat.bot_present]
    groups = [spot for spot in world.spots["group"] if spot.chat.bot_present]
    home = {id(g): world.spots["neighbourhood"][n] for n, g in enumerate(world.spots["group"])}
    for street, case in zip(streets, cases, strict=False):
        street.chat.title = case.title  # as an admin renames it in Telegram
        street.chat.service_message(street.admin, new_chat_title=case.title)
    people: list[tuple[User, Spot, Spot | None]] = []
    for index, case in enumerate(cases):
        user = sb.add_user(
            case.first_name,
            last_name=case.last_name,
            username=case.username,
            language_code=case.language_code,
        )
        street = streets[index % len(streets)]
        # A group of their own street: a closed group takes only its neighbourhood's people.
        group = next((g for g in groups if home[id(g)] is street), None)
        await street.chat.join(user)
        if index % START_EVERY == 0:
            await user.start()
        people.append((user, street, group))
    await settle(sb, run.app)  # known as residents first: a group takes only those in
    for user, _street, group in people:
        if group is not None:
            await group.chat.join(user)
    before = {street.chat.id: len(street.chat.bot_messages) for street in streets}
    for user, street, _group in people[: len(streets)]:  # one request in each street
        await user.send(street.chat, "/ask boodschappen")
    await settle(sb, run.app)
    cards = {
        street.chat.id: [m for m in street.chat.bot_messages[before[street.chat.id] :] if m.buttons]
        for street in streets
    }
    for user, street, _group in people:
        if cards[street.chat.id]:  # the first to press claims it; the others hear who did
            card = cards[street.chat.id][0]
            run.handles.append(await user.press_data(card, card.buttons[0][0]["callback_data"]))
    lists: dict[int, int] = {}
    for spot in groups:
        lists[spot.chat.id] = len(spot.chat.bot_messages)
        await spot.admin.send(spot.chat, "/members")
    facilitator = next(f for f in world.facilitators if run.uses[f.id] + 2 <= USER_EVENTS)
    seen = len(facilitator.dm.bot_messages)
    for command in ("/overview", "/report"):
        await facilitator.send(facilitator.dm, command)
        run.uses[facilitator.id] += 1
    await settle(sb, run.app)
    # Every name and title reads as typed: escaped on the way out, nothing lost but the
    # bidi controls that would make it show as something else.
    for index, (user, _street, group) in enumerate(people):
        name = without_bidi_controls(user.first_name)
        if index % START_EVERY == 0:
            greeting = _messages(user.dm)
            assert greeting and name in greeting[0].text, (SEED, name, greeting)
        if group is not None:
            members = group.chat.bot_messages[lists[group.chat.id]]
            assert name in members.text, (SEED, name, members.text)
    overview = facilitator.dm.bot_messages[seen]
    missing = [
        s.chat.title
        for s in streets
        if without_bidi_controls(str(s.chat.title)) not in overview.text
    ]
    assert not missing, (missing, overview.text)
