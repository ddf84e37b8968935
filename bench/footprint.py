"""Footprint of `buurtbot run`: memory, startup time and database bytes per row.

    PTB_TIMEDELTA=1 python -m bench.footprint

A neighbourhood bot runs for years on a small machine beside its SQLite file: what
counts is the memory it holds with years of data, whether that grows as it works,
how soon it answers after a restart, and how fast the file grows. The bot runs as a
real process (`buurtbot run`) against the sandbox, on a database of 10,000 groups,
100,000 residents and 200,000 requests:

- memory: peak RSS (VmHWM) after 10,000 updates, and RSS at rest after those and
  after 10,000 more (goal: no growth), from /proc/<pid>/status;
- startup: process start to the first getUpdates the sandbox receives;
- storage: bytes per group, resident and request, from SQLite's dbstat after VACUUM.

Seeding goes through the domain: the neighbourhoods, the residents who talk in the
run, a tenth of the groups and a fiftieth of the requests are made by the functions
in models/ (register, record_presence, create/link/join/dissolve,
post/set_card/claim/finish/cancel); the rest are the same entities inserted in bulk,
because one call at a time (~300 a second here) would take most of an hour. A check
compares which columns both kinds of rows fill, per table and state. The seeded file
is cached in /tmp for 20 hours: its times are those of the hour it was made, and
after a day the scheduler would start reminding and nudging.

Updates are 90% chat, 5% /ask and 5% /requests, from 2,000 residents of 100
neighbourhood chats, sent as fast as the bot handles them but never more than 300
ahead: a queue of unhandled updates would measure the queue, not the bot. Plain
messages get no reply, so progress is read from the bot's own per-day message
counts; a batch is done when they have grown by 10,000 and every command has its
reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession

from bench.table import Row, met, show
from models import database, groups, neighbourhoods, requests
from models.base import Base
from models.entities import (
    Group,
    GroupInviteLink,
    GroupMember,
    GroupStatus,
    Request,
    RequestKind,
    RequestState,
    Resident,
    User,
)
from models.people import Person, record_presence
from sandbox import Chat, Sandbox
from sandbox import User as Neighbour

TOKEN = "123456:FOOTPRINT"
VERSION = "2"  # bump when the seeded data changes shape
HOODS = 100
RESIDENTS_PER_HOOD = 1_000
GROUPS_PER_HOOD = 100
REQUESTS_PER_HOOD = 2_000
SENDERS = 20  # residents per chat who talk in the run; made by the domain functions
REAL_GROUPS = 10  # groups per chat made by the domain functions
REAL_REQUESTS = 2  # requests per sender made by the domain functions
BULK_USERS = 7_000_000_000  # ids of the other residents: far from the sandbox's
GROUP_CHATS = -1_002_000_000_000  # chat ids of linked groups, none of them in the sandbox
TIMEZONE = "Europe/Amsterdam"
GROUP_STATES = ((GroupStatus.DISSOLVED, 70), (GroupStatus.ACTIVE, 25), (GroupStatus.PENDING, 5))
REQUEST_STATES = (
    (RequestState.DONE, 70),
    (RequestState.CANCELLED, 15),
    (RequestState.OPEN, 10),
    (RequestState.CLAIMED, 5),
)
BATCH = 10_000
MAX_RATE = 150.0  # updates per second, at most; a tenth of them are commands with a reply
WINDOW = 300  # updates sent but not handled yet: enough to keep the bot busy, not a queue
SETTLE = 5.0  # seconds of rest before reading RSS after a batch
MIX = (("chat", 90), ("ask", 5), ("requests", 5))
MEMORY_GOAL_MB = 150.0
STARTUP_GOAL_S = 2.0
GROWTH_NOISE = 0.02  # allocator and SQLite cache noise: within 2% counts as no growth
STARTUP_SAMPLES = 3
CACHE = Path(tempfile.gettempdir()) / "buurtbot-footprint"
CACHE_MAX_AGE = 20 * 3600.0
BUURTBOT = Path(sys.executable).parent / "buurtbot"

NAMES = (
    "Anna", "Piet", "Fatima", "Mohammed", "Sanne", "Daan", "Emma", "Lucas", "Noor", "Sem",
    "Yusuf", "Julia", "Bram", "Sophie", "Ahmed", "Lotte", "Kees", "Ilse", "Mila", "Jan",
)  # fmt: skip
STREETS = ("Kerklaan", "Molenweg", "Dorpsstraat", "Lindenhof", "Havenkade", "Parkzicht")
ASKS = (
    "wie kan zaterdag helpen met verhuizen van een bank naar de tweede verdieping",
    "boodschappen voor mijn buurvrouw, ze is ziek deze week",
    "iemand een ladder te leen voor de dakgoot?",
    "hulp gezocht bij het invullen van formulieren van de gemeente",
    "wie wil vrijdag de hond uitlaten, ik moet naar het ziekenhuis",
    "een lift naar de huisarts morgenochtend om negen uur",
    "kan iemand mijn fiets repareren, de ketting ligt eraf",
    "help carrying groceries on Friday",
)
OFFERS = (
    "ik kan een boormachine uitlenen",
    "ik heb een aanhanger, vraag maar als je iets moet wegbrengen",
    "soep over, wie wil een bakje?",
    "I can help with computers and phones in the evening",
)
CHATTER = (
    "goedemorgen allemaal",
    "weet iemand waarom de straat afgesloten is?",
    "dank je wel voor de hulp gisteren!",
    "de glasbak is weer vol",
    "is er iemand die een kat heeft zien lopen, grijs met witte pootjes?",
    "leuk idee, ik doe mee",
    "👍",
    "morgen komt de gemeente de bomen snoeien, auto's graag weg",
)


def _weighted(rng: random.Random, choices: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


# -- the world -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Street:
    """A neighbourhood chat in the sandbox and the residents who talk in it."""

    chat: Chat
    senders: list[Neighbour]


def _build_world(sb: Sandbox) -> list[Street]:
    """Always in the same order, so the sandbox's ids match the cached database."""
    rng = random.Random(1)
    streets = []
    for h in range(HOODS):
        senders = []
        for _ in range(SENDERS):
            name = rng.choice(NAMES)
            senders.append(
                sb.add_user(
                    name,
                    username=f"{name.lower()}{rng.randrange(1000)}" if rng.random() < 0.4 else None,
                    language_code=rng.choice(("nl", "nl", "nl", "en", None)),
                )
            )
        title = f"Buurt {STREETS[h % len(STREETS)]} {h}"
        chat = sb.add_group(title, members=senders, admins=[senders[0]], supergroup=True)
        streets.append(Street(chat, senders))
    return streets


async def _admit_bot(sb: Sandbox, streets: list[Street]) -> None:
    """The bot is an admin of every chat, as the README asks; the database knows them."""
    for street in streets:
        admin = street.senders[0]
        await street.chat.add_bot(by=admin)
        await sb.promote_bot(
            street.chat, by=admin, can_invite_users=True, can_restrict_members=True
        )
    sb.world.updates.drop_all()  # the seeded database already knows all this


# -- seeding -------------------------------------------------------------------------------


def _person(user: Neighbour) -> Person:
    return Person(user.id, user.first_name, user.username, user.language_code)


@dataclass
class Seeder:
    """The state of one seeding: its randomness, its clock and its running numbers."""

    rng: random.Random
    now: datetime
    chat_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(100))

    def invite_url(self) -> str:
        return f"https://t.me/+{self.rng.randbytes(12).hex()[:16]}"

    def draft(self, kind: RequestKind) -> requests.Draft:
        rng = self.rng
        text = rng.choice(ASKS if kind == RequestKind.ASK else OFFERS)
        behalf = (
            rng.choice(("mevrouw De Vries", "mijn moeder", "Mr Jansen"))
            if rng.random() < 0.1
            else None
        )
        due = self.now.date() + timedelta(days=rng.randrange(1, 14)) if rng.random() < 0.2 else None
        return requests.Draft(kind, text, behalf, due)


async def _real_group(
    session: AsyncSession, seeder: Seeder, hood: int, owner: int, others: list[int]
) -> tuple[int, int] | None:
    """A group as the bot makes it: created, linked, joined, and maybe dissolved."""
    state = _weighted(seeder.rng, GROUP_STATES)
    title = f"{seeder.rng.choice(('Verhuizing', 'Moestuin', 'Oppas', 'Klussen'))} {hood}"
    made = await groups.create(
        session,
        owner_id=owner,
        title=title,
        invite_only=seeder.rng.random() < 0.2,
        neighbourhood_id=hood,
        limit=5,
        now=seeder.now,
    )
    group = made.group
    if state == GroupStatus.PENDING:
        return None
    chat_id = GROUP_CHATS - next(seeder.chat_ids)
    await groups.link(session, group, chat_id, owner, now=seeder.now)
    groups.set_rights(group, invite=True, restrict=True)
    await groups.add_invite_link(session, group, seeder.invite_url(), now=seeder.now)
    for member in seeder.rng.sample(others, seeder.rng.randrange(2, 8)):
        await groups.join(session, group, member, now=seeder.now)
    if state == GroupStatus.DISSOLVED:
        await groups.dissolve(session, group, by=owner, reason="ended by its owner", now=seeder.now)
        await groups.revoke_invite_links(session, group, now=seeder.now)
    return group.id, chat_id


def _bulk_group(seeder: Seeder, hood: int, owner: int) -> dict[str, Any]:
    """The row _real_group leaves behind, as values for the entity."""
    rng, now = seeder.rng, seeder.now
    state = _weighted(rng, GROUP_STATES)
    row: dict[str, Any] = {
        "neighbourhood_id": hood,
        "owner_id": owner,
        "title": f"{rng.choice(('Verhuizing', 'Moestuin', 'Oppas', 'Klussen'))} {hood}",
        "invite_only": rng.random() < 0.2,
        "status": GroupStatus.PENDING,
        "token_hash": hashlib.sha256(groups.new_token().encode()).hexdigest(),
        "chat_id": None,
        "created_at": now,
        "expires_at": now + groups.PENDING_FOR,
    }
    if state != GroupStatus.PENDING:
        row |= {
            "chat_id": GROUP_CHATS - next(seeder.chat_ids),
            "status": GroupStatus.ACTIVE,
            "linked_at": now,
            "last_activity_at": now,
            "nudge_due_at": now + timedelta(days=14),
            "bot_can_invite": True,
            "bot_can_restrict": True,
        }
    if state == GroupStatus.DISSOLVED:
        row |= {
            "status": GroupStatus.DISSOLVED,
            "dissolved_at": now,
            "dissolved_by": owner,
            "dissolve_reason": "ended by its owner",
        }
    return row


async def _real_request(
    session: AsyncSession,
    seeder: Seeder,
    hood: int,
    asker: int,
    helper: int,
    place: tuple[int | None, int],
) -> None:
    """A request as the bot makes it: posted, its card sent, then taken on its way."""
    rng = seeder.rng
    kind = RequestKind.ASK if rng.random() < 0.8 else RequestKind.OFFER
    state = _weighted(rng, REQUEST_STATES)
    group_id, chat_id = place
    made = await requests.post(
        session,
        seeder.draft(kind),
        asker_id=asker,
        chat_id=chat_id,
        neighbourhood_id=hood,
        group_id=group_id,
        limit=10,
        now=seeder.now,
    )
    await requests.set_card(session, made.id, next(seeder.message_ids))
    if state in (RequestState.CLAIMED, RequestState.DONE):
        await requests.claim(session, made.id, helper, now=seeder.now)
    if state == RequestState.DONE:
        await requests.finish(session, made.id, helper, now=seeder.now)
    elif state == RequestState.CANCELLED:
        await requests.cancel(session, made.id, asker, now=seeder.now)


def _bulk_request(
    seeder: Seeder, hood: int, asker: int, helper: int, place: tuple[int | None, int]
) -> dict[str, Any]:
    """The row _real_request leaves behind, as values for the entity."""
    rng, now = seeder.rng, seeder.now
    kind = RequestKind.ASK if rng.random() < 0.8 else RequestKind.OFFER
    state = _weighted(rng, REQUEST_STATES)
    draft = seeder.draft(kind)
    row: dict[str, Any] = {
        "kind": kind,
        "text": draft.text,
        "on_behalf_of": draft.on_behalf_of,
        "due": draft.due,
        "asker_id": asker,
        "chat_id": place[1],
        "neighbourhood_id": hood,
        "group_id": place[0],
        "created_at": now,
        "state": state,
        "card_message_id": next(seeder.message_ids),
        "claimer_id": None,
        "claimed_at": None,
        "closed_at": None,
        "closed_by": None,
    }
    if state in (RequestState.CLAIMED, RequestState.DONE):
        row |= {"claimer_id": helper, "claimed_at": now}
    if state == RequestState.DONE:
        row |= {"closed_at": now, "closed_by": helper}
    elif state == RequestState.CANCELLED:
        row |= {"closed_at": now, "closed_by": asker}
    return row


def _bulk(entity: type[Base]) -> Insert:
    """The entity's ORM bulk INSERT; NULLs written out, so all rows go in one executemany."""
    return insert(entity).execution_options(render_nulls=True)


async def _seed_street(session: AsyncSession, seeder: Seeder, index: int, street: Street) -> None:
    rng, now = seeder.rng, seeder.now
    registration = await neighbourhoods.register(
        session,
        chat_id=street.chat.id,
        title=street.chat.title or "",
        created_by=street.senders[0].id,
        language="nl",
        timezone=TIMEZONE,
        now=now,
    )
    hood = registration.neighbourhood
    for sender in street.senders:
        await record_presence(session, hood, _person(sender), now=now)
    real = [sender.id for sender in street.senders]
    first = BULK_USERS + index * RESIDENTS_PER_HOOD
    bulk = list(range(first, first + RESIDENTS_PER_HOOD - SENDERS))
    users = []
    for user_id in bulk:
        name = rng.choice(NAMES)
        users.append(
            {
                "id": user_id,
                "first_name": name,
                "username": f"{name.lower()}{user_id % 1000}" if rng.random() < 0.4 else None,
                "language_code": rng.choice(("nl", "nl", "nl", "en", None)),
                "first_seen_at": now,
            }
        )
    await session.execute(_bulk(User), users)
    residents = [{"neighbourhood_id": hood.id, "user_id": u, "joined_at": now} for u in bulk]
    await session.execute(_bulk(Resident), residents)

    places: list[tuple[int | None, int]] = []  # linked groups, for requests made in them
    for n in range(REAL_GROUPS):
        owner = real[n % len(real)]
        linked = await _real_group(session, seeder, hood.id, owner, [u for u in real if u != owner])
        if linked is not None:
            places.append(linked)
    made = [
        _bulk_group(seeder, hood.id, rng.choice(bulk)) for _ in range(GROUPS_PER_HOOD - REAL_GROUPS)
    ]
    ids = await session.scalars(
        _bulk(Group).returning(Group.id, sort_by_parameter_order=True), made
    )
    members, links = [], []
    for group_id, group in zip(ids, made, strict=True):
        if group["chat_id"] is None:
            continue
        places.append((group_id, group["chat_id"]))
        others = [u for u in rng.sample(bulk, 8) if u != group["owner_id"]]
        for user_id in [group["owner_id"], *others[: rng.randrange(2, 8)]]:
            members.append({"group_id": group_id, "user_id": user_id, "joined_at": now})
        revoked = now if group["status"] == GroupStatus.DISSOLVED else None
        links.append(
            {
                "group_id": group_id,
                "url": seeder.invite_url(),
                "created_at": now,
                "revoked_at": revoked,
            }
        )
    await session.execute(_bulk(GroupMember), members)
    await session.execute(_bulk(GroupInviteLink), links)

    def place() -> tuple[int | None, int]:
        return rng.choice(places) if places and rng.random() < 0.1 else (None, street.chat.id)

    for asker in real * REAL_REQUESTS:
        helper = rng.choice([u for u in real if u != asker])
        await _real_request(session, seeder, hood.id, asker, helper, place())
    rows = []
    for _ in range(REQUESTS_PER_HOOD - len(real) * REAL_REQUESTS):
        asker, helper = rng.sample(bulk, 2)
        rows.append(_bulk_request(seeder, hood.id, asker, helper, place()))
    await session.execute(_bulk(Request), rows)


async def _seed(path: Path, streets: list[Street]) -> None:
    """One transaction per neighbourhood: a thousand residents and all that is theirs."""
    engine = database.create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await database.upgrade(engine)
        sessionmaker = database.sessionmaker(engine)
        seeder = Seeder(random.Random(2), datetime.now(UTC))
        started = time.perf_counter()
        for index, street in enumerate(streets):
            seeder.now = datetime.now(UTC)
            async with sessionmaker() as session:
                await _seed_street(session, seeder, index, street)
                await session.commit()
            if (index + 1) % 10 == 0:
                print(
                    f"  seeding: {index + 1}/{len(streets)} neighbourhoods "
                    f"({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )
    finally:
        await engine.dispose()


def _vacuum(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")


#: Per table: the column naming a row's stage, and which rows the domain functions made.
SHAPES = (
    ("user", "''", f"id < {BULK_USERS}"),
    ("resident", "''", f"user_id < {BULK_USERS}"),
    ("group", "status", f"owner_id < {BULK_USERS}"),
    ("group_member", "''", f"user_id < {BULK_USERS}"),
    (
        "group_invite_link",
        "revoked_at IS NULL",
        f'group_id IN (SELECT id FROM "group" WHERE owner_id < {BULK_USERS})',
    ),
    ("request", "state", f"asker_id < {BULK_USERS}"),
)


def _shape_differences(path: Path) -> list[str]:
    """Columns that bulk rows fill differently from domain-made rows of the same stage."""
    found = []
    with contextlib.closing(sqlite3.connect(path)) as connection:
        for table, stage, made_by_domain in SHAPES:
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            filled = ", ".join(f'count("{column}")' for column in columns)
            shapes: dict[tuple[Any, int], tuple[set[str], set[str]]] = {}
            for value, domain, total, *counts in connection.execute(
                f'SELECT {stage}, {made_by_domain}, count(*), {filled} FROM "{table}" GROUP BY 1, 2'
            ):
                used = {c for c, n in zip(columns, counts, strict=True) if n}
                always = {c for c, n in zip(columns, counts, strict=True) if n == total}
                shapes[(value, domain)] = (used, always)
            for (value, domain), (used, always) in shapes.items():
                if domain:
                    continue
                where = f"{table}{f' {value}' if value not in ('', None) else ''}"
                if (value, 1) not in shapes:
                    found.append(f"{where}: no domain-made rows to compare")
                    continue
                real_used, real_always = shapes[(value, 1)]
                differ = (used ^ real_used) | (always ^ real_always)
                if differ:
                    found.append(f"{where}: {', '.join(sorted(differ))}")
    return found


@dataclass(frozen=True)
class Seeded:
    path: Path
    seconds: float
    cached: bool
    shape: list[str]


def _cache_key(streets: list[Street]) -> str:
    """The sizes, the world's ids and the domain's code: any change makes a new seed."""
    digest = hashlib.sha256()
    world = [
        (s.chat.id, [(u.id, u.first_name, u.username, u.language_code) for u in s.senders])
        for s in streets
    ]
    sizes = [
        HOODS,
        RESIDENTS_PER_HOOD,
        GROUPS_PER_HOOD,
        REQUESTS_PER_HOOD,
        REAL_GROUPS,
        REAL_REQUESTS,
    ]
    digest.update(json.dumps([VERSION, sizes, world]).encode())
    for source in sorted(Path(database.__file__).parent.rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


async def _seeded_database(streets: list[Street]) -> Seeded:
    key = _cache_key(streets)
    path, info = CACHE / f"seed-{key}.db", CACHE / f"seed-{key}.json"
    if path.exists() and info.exists():
        meta = json.loads(info.read_text())
        if time.time() - meta["created"] < CACHE_MAX_AGE:
            return Seeded(path, meta["seconds"], True, meta["shape"])
    CACHE.mkdir(exist_ok=True)
    for old in CACHE.glob("*"):
        old.unlink()
    partial = CACHE / f"partial-{key}.db"
    started = time.perf_counter()
    print(f"Seeding {HOODS * RESIDENTS_PER_HOOD:,} residents (once; cached in {CACHE})", flush=True)
    await _seed(partial, streets)
    _vacuum(partial)
    seconds = time.perf_counter() - started
    shape = _shape_differences(partial)
    partial.rename(path)
    info.write_text(json.dumps({"created": time.time(), "seconds": seconds, "shape": shape}))
    return Seeded(path, seconds, False, shape)


# -- storage -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Storage:
    file_bytes: int
    free_bytes: int
    tables: dict[str, tuple[int, int, int]]  # rows, bytes of the table, bytes of its indexes

    def per(self, unit: str, *tables: str) -> str:
        rows = self.tables[unit][0]
        own = sum(self.tables[t][1] for t in tables if t in self.tables)
        indexes = sum(self.tables[t][2] for t in tables if t in self.tables)
        return (
            f"{(own + indexes) / rows:,.0f} B "
            f"({own / rows:,.0f} rows + {indexes / rows:,.0f} indexes; {rows:,} rows)"
        )


def _grown_most(before: Storage, after: Storage) -> str:
    """The tables (with their indexes) that grew most, in MB."""

    def size(storage: Storage, table: str) -> int:
        _, own, indexes = storage.tables.get(table, (0, 0, 0))
        return own + indexes

    grown = sorted(((size(after, t) - size(before, t), t) for t in after.tables), reverse=True)
    return "most in " + ", ".join(f"{t} {d / 1e6:+.1f}" for d, t in grown[:3] if d > 0)


def _storage(path: Path) -> Storage:
    """Bytes per table and its indexes, as SQLite's dbstat counts whole pages."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        owner = dict(
            connection.execute(
                "SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')"
            ).fetchall()
        )
        sizes: dict[str, list[int]] = {}
        for name, size in connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            sizes.setdefault(table, [0, 0])[0 if name == table else 1] += size
        tables = {}
        for table, (own, indexes) in sizes.items():
            rows = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            tables[table] = (rows, own, indexes)
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        free = connection.execute("PRAGMA freelist_count").fetchone()[0] * page_size
    return Storage(path.stat().st_size, free, tables)


# -- the bot as a process ------------------------------------------------------------------


class BenchError(Exception):
    """A measurement could not be made; the message says why, for the table."""


def _config(folder: Path, sb: Sandbox, database_path: Path) -> Path:
    path = folder / f"{database_path.stem}.toml"
    path.write_text(
        f'[telegram]\nbase_url = "{sb.base_url}"\n'
        f'[database]\nurl = "sqlite+aiosqlite:///{database_path}"\n',
        encoding="utf-8",
    )
    return path


def _environment() -> dict[str, str]:
    """Ours, less any BUURTBOT_ setting that would override the config file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUURTBOT_")}
    env.update(BUURTBOT_TELEGRAM_TOKEN=TOKEN, PTB_TIMEDELTA="1")
    return env


def _on_disk(path: Path) -> int:
    """A SQLite file with its write-ahead log, as it stands on disk."""
    wal = path.with_name(path.name + "-wal")
    return sum(p.stat().st_size for p in (path, wal) if p.exists())


def _tail(log: Path) -> str:
    lines = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
    return " | ".join(lines[-3:]) or "(no output)"


@dataclass(frozen=True)
class Running:
    process: asyncio.subprocess.Process
    startup: float  # seconds from the process start to its first getUpdates


async def _start(sb: Sandbox, config: Path, log: Path) -> Running:
    with log.open("ab") as output:
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            str(BUURTBOT),
            "run",
            "--config",
            str(config),
            stdout=output,
            stderr=output,
            env=_environment(),
        )
    polled = asyncio.ensure_future(
        sb.wait_for_call("getUpdates", timeout=60, where=lambda call: call.time >= started)
    )
    exited = asyncio.ensure_future(process.wait())
    await asyncio.wait({polled, exited}, return_when=asyncio.FIRST_COMPLETED)
    exited.cancel()
    if not polled.done() or polled.exception() is not None:
        polled.cancel()
        await _stop(process)
        raise BenchError(f"the bot did not poll (exit {process.returncode}): {_tail(log)}")
    return Running(process, polled.result().time - started)


async def _stop(process: asyncio.subprocess.Process) -> int:
    """SIGTERM, as systemd stops it; killed after 30 s (TimeoutStopSec in the unit)."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=30)
        except TimeoutError:
            process.kill()
            await process.wait()
    return process.returncode if process.returncode is not None else -1


@dataclass(frozen=True)
class Status:
    """Resident memory now (VmRSS) and at its peak (VmHWM) in MB, and the thread count."""

    rss: float
    peak: float
    threads: int


def _status(pid: int) -> Status:
    """As the kernel counts it; each SQLite connection of the bot has a thread of its own."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            values[key] = int(rest.split()[0])
    mb = 1024 / 1e6
    return Status(values["VmRSS"] * mb, values["VmHWM"] * mb, values["Threads"])


# -- updates -------------------------------------------------------------------------------


class Replies:
    """Which messages the bot answered, read from the sandbox's call log as it grows."""

    def __init__(self, sb: Sandbox) -> None:
        self.calls = sb.calls
        self.cursor = 0
        self.seen: dict[tuple[int, int], float] = {}

    def scan(self) -> dict[tuple[int, int], float]:
        while self.cursor < len(self.calls):
            call = self.calls[self.cursor]
            self.cursor += 1
            if call.method != "sendMessage":
                continue
            reply = call.params.get("reply_parameters")
            if isinstance(reply, str):
                reply = json.loads(reply)
            message_id = (
                reply.get("message_id") if reply else call.params.get("reply_to_message_id")
            )
            if message_id is not None:
                self.seen.setdefault((int(call.params["chat_id"]), int(message_id)), call.time)
        return self.seen


def _text(rng: random.Random, kind: str) -> str:
    if kind == "ask":
        return f"/ask {rng.choice(ASKS)}"
    if kind == "requests":
        return "/requests"
    return rng.choice(CHATTER)


class Handled:
    """Messages the bot has handled in its chats: the sum of its own daily activity counts.

    Plain chat messages get no reply, so this count (committed with each update's other
    effects) is what shows how far the bot has come.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.value = 0
        self.read_at = -1.0

    def count(self, fresh: bool = False) -> int:
        if fresh or time.monotonic() - self.read_at >= 0.05:
            with contextlib.closing(sqlite3.connect(self.path)) as connection:
                row = connection.execute("SELECT coalesce(sum(messages), 0) FROM activity_day")
                self.value = int(row.fetchone()[0])
            self.read_at = time.monotonic()
        return self.value


@dataclass(frozen=True)
class Batch:
    seconds: float
    commands: int
    missing: int
    handled: int
    threads: int  # the most seen while the batch ran
    rest: Status  # SETTLE seconds after the batch was handled


async def _batch(
    sb: Sandbox,
    streets: list[Street],
    replies: Replies,
    handled: Handled,
    rng: random.Random,
    bot: Running,
) -> Batch:
    """BATCH updates, as fast as the bot handles them (never more than WINDOW ahead).

    Each chat's last update is a /requests, answered after the rest of that chat.
    """
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    expected: list[tuple[int, int]] = []
    base = handled.count(fresh=True)
    started = looked = time.monotonic()
    threads = 0
    for n in range(BATCH):
        await asyncio.sleep(max(0.0, started + n / MAX_RATE - time.monotonic()))
        if time.monotonic() - looked > 0.5:
            threads, looked = max(threads, _status(bot.process.pid).threads), time.monotonic()
        waiting = time.monotonic()
        while n - (handled.count() - base) > WINDOW:
            if time.monotonic() - waiting > 60 or bot.process.returncode is not None:
                raise BenchError(f"the bot stopped handling updates ({n:,} sent)")
            await asyncio.sleep(0.02)
        street = streets[n % len(streets)]
        kind = "requests" if n >= BATCH - len(streets) else rng.choice(kinds)
        message = await rng.choice(street.senders).send(street.chat, _text(rng, kind))
        if kind != "chat":
            expected.append((street.chat.id, message.message_id))
    deadline = time.monotonic() + 120
    while True:
        seen = replies.scan()
        missing = [key for key in expected if key not in seen]
        done = handled.count(fresh=True) - base
        if bot.process.returncode is not None:
            raise BenchError(f"the bot stopped during a batch (exit {bot.process.returncode})")
        if (not missing and done >= BATCH) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    finished = time.monotonic()
    await asyncio.sleep(SETTLE)
    rest = _status(bot.process.pid)
    return Batch(finished - started, len(expected), len(missing), done, threads, rest)


# -- the figures ---------------------------------------------------------------------------


def _against(value: float, goal: float) -> str:
    return f"{value / goal:.2f} of goal: {met(value < goal)}"


async def _migrated(path: Path) -> None:
    engine = database.create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await database.upgrade(engine)
    finally:
        await engine.dispose()


async def _startup_only(sb: Sandbox, config: Path, log: Path) -> float:
    bot = await _start(sb, config, log)
    await _stop(bot.process)
    return bot.startup


def _errors(*logs: Path) -> int:
    return sum(
        line.count(" ERROR ") + line.count("Traceback")
        for log in logs
        if log.exists()
        for line in log.read_text(errors="replace").splitlines()
    )


@dataclass
class Figures:
    """The table's rows by topic, filled as the run gets to them, shown in this order."""

    memory: list[Row] = field(default_factory=list)
    startup: list[Row] = field(default_factory=list)
    storage: list[Row] = field(default_factory=list)
    run: list[Row] = field(default_factory=list)

    def rows(self) -> list[Row]:
        return [*self.memory, *self.startup, *self.storage, *self.run]


async def _measure(figures: Figures) -> None:
    async with Sandbox(TOKEN, bot_username="footprint_bot") as sb:
        streets = _build_world(sb)
        seeded = await _seeded_database(streets)
        await _admit_bot(sb, streets)
        with tempfile.TemporaryDirectory(prefix="buurtbot-footprint-") as tmp:
            folder = Path(tmp)
            copy = folder / "seeded.db"
            shutil.copyfile(seeded.path, copy)
            seeded_storage = _storage(copy)
            figures.storage += _storage_rows(seeded_storage, seeded)
            empty = folder / "empty.db"
            await _migrated(empty)
            logs = [folder / "empty.log", folder / "seeded.log"]
            baseline = await _startup_only(sb, _config(folder, sb, empty), logs[0])
            config = _config(folder, sb, copy)
            before = _on_disk(copy)
            samples = [await _startup_only(sb, config, logs[1]) for _ in range(STARTUP_SAMPLES - 1)]
            bot = await _start(sb, config, logs[1])
            samples.append(bot.startup)
            median = statistics.median(samples)
            figures.startup += [
                Row(
                    "startup: process start to first getUpdates",
                    f"< {STARTUP_GOAL_S:.0f} s",
                    f"{median:.2f} s (median of {', '.join(f'{s:.2f}' for s in samples)})",
                    _against(median, STARTUP_GOAL_S),
                ),
                Row(
                    "  the same, empty database",
                    "",
                    f"{baseline:.2f} s",
                    f"seeded / empty: {median / baseline:.2f}",
                ),
            ]
            try:
                await sb.wait_polling(timeout=10)
                await _run_batches(figures, sb, streets, bot, Handled(copy))
            finally:
                code = await _stop(bot.process)
            errors = _errors(*logs)
            figures.run += [
                Row(
                    f"  database growth over {2 * BATCH:,} updates",
                    "",
                    f"{(_on_disk(copy) - before) / 1e6:+.1f} MB (file and WAL)",
                    _grown_most(seeded_storage, _storage(copy)),
                ),
                Row(
                    "  errors in the bot's log; exit code on SIGTERM",
                    "0; 0",
                    f"{errors}; {code}",
                    met(not errors and code == 0),
                ),
            ]


async def _run_batches(
    figures: Figures, sb: Sandbox, streets: list[Street], bot: Running, handled: Handled
) -> None:
    rng = random.Random(3)
    replies = Replies(sb)
    start = _status(bot.process.pid)
    first = await _batch(sb, streets, replies, handled, rng, bot)
    second = await _batch(sb, streets, replies, handled, rng, bot)
    one, two = first.rest, second.rest
    growth = two.rss - one.rss
    figures.memory += [
        Row(
            f"peak RSS (VmHWM) after {BATCH:,} updates",
            f"< {MEMORY_GOAL_MB:.0f} MB",
            f"{one.peak:.1f} MB",
            _against(one.peak, MEMORY_GOAL_MB),
        ),
        Row(
            f"RSS at rest after batch 1 → batch 2 (+{BATCH:,})",
            "no growth",
            f"{one.rss:.1f} → {two.rss:.1f} MB ({growth:+.1f} MB)",
            f"{two.rss / one.rss:.3f}x, {met(growth <= GROWTH_NOISE * one.rss)} "
            f"(within {GROWTH_NOISE:.0%})",
        ),
        Row("  RSS at the first poll", "", f"{start.rss:.1f} MB", ""),
        Row(f"  peak RSS after {2 * BATCH:,} updates", "", f"{two.peak:.1f} MB", ""),
        Row(
            "  threads under load / at rest",
            "",
            f"{max(first.threads, second.threads)} / {two.threads}",
            "aiosqlite: a thread per open connection",
        ),
    ]
    for n, batch in enumerate((first, second), start=1):
        figures.run.append(
            Row(
                f"batch {n}: {BATCH:,} updates, paced by the bot",
                "all handled",
                f"{batch.seconds:.1f} s ({BATCH / batch.seconds:.0f}/s), "
                f"{batch.handled:,} counted, "
                f"{batch.commands - batch.missing:,}/{batch.commands:,} replies",
                met(not batch.missing and batch.handled >= BATCH),
            )
        )


def _storage_rows(storage: Storage, seeded: Seeded) -> list[Row]:
    shape = "; ".join(seeded.shape)
    return [
        Row(
            "bytes per group",
            "",
            storage.per("group", "group", "group_member", "group_invite_link"),
            "with its members and invite links",
        ),
        Row("bytes per resident", "", storage.per("resident", "resident", "user"), "with the user"),
        Row("bytes per request", "", storage.per("request", "request"), ""),
        Row(
            "  database file, after VACUUM",
            "",
            f"{storage.file_bytes / 1e6:.1f} MB ({storage.free_bytes:,} B free)",
            f"seeded in {seeded.seconds:.0f} s" + (", cached" if seeded.cached else ""),
        ),
        Row(
            "  bulk rows vs domain-made rows",
            "same columns",
            shape or "same columns filled, per table and state",
            met(not shape),
        ),
    ]


async def rows() -> list[Row]:
    """Every figure that could be measured; a failure ends the run with a row saying why."""
    figures = Figures()
    try:
        await _measure(figures)
    except Exception as exc:  # a benchmark reports what it could not measure, and why
        problem = f"{exc.__class__.__name__}: {exc}"
        figures.run.append(Row("footprint run stopped early", "", problem[:300], "FAILED"))
    return figures.rows()


if __name__ == "__main__":
    sizes = (HOODS * GROUPS_PER_HOOD, HOODS * RESIDENTS_PER_HOOD, HOODS * REQUESTS_PER_HOOD)
    show(
        "Footprint of `buurtbot run`: {:,} groups, {:,} residents, {:,} requests in SQLite "
        "(MB = 10^6 bytes)".format(*sizes),
        asyncio.run(rows()),
    )
