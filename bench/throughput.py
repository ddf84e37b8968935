"""Update throughput and latency of the full bot, against a bare PTB echo bot.

    python -m bench.throughput        (part of: make bench)

Residents in several neighbourhood chats send a realistic mix through the
sandbox, over real HTTP: 40% plain messages, 25% /ask or /offer, 20% button
presses, 10% /requests, 5% join requests. Latency runs from the update being
created to the bot's answering call reaching the sandbox (its reply, its
callback answer, its approval). A plain message has no answer of its own; the
last /requests of each chat, handled in order after it, shows it was done.
The baseline is a bare PTB bot answering every update with one call, on the
same sandbox, with the same mix, in the same run.

Telegram takes 30 messages a second, and both bots keep to it when talking to
Telegram. That would measure Telegram's limit, not the bot, so here both run
without it (the echo bot without a rate limiter, ours with its rate set far
above what it reaches). The same script compares the durable intake with PTB's
own updater, to show what storing every update first costs.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import text
from sqlalchemy.engine import make_url
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatJoinRequestHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bench.table import Row, met, show
from bot.choices import CancelRequest, decode
from bot.config import Config
from models import database
from sandbox import Chat, Sandbox, SentMessage, User
from transports.telegram.app import running
from transports.telegram.intake import ALLOWED_UPDATES

TOKEN = "123456:THROUGHPUT"
CHATS, PER_CHAT = 60, 4  # many chats: Telegram allows only 20 messages a minute per group
#: Neighbourhoods with a group of their own, and neighbours each who may ask to join it.
GROUPS, JOINERS = 12, 4
UPDATES = 600
MIX = (("message", 40), ("ask", 25), ("press", 20), ("requests", 10), ("join", 5))
#: Requests as neighbours write them: half with a date, some with numbers, some HTML.
ASKS = (
    "boodschappen voor mevrouw De Vries, vrijdag",
    "wie kan morgen de hond uitlaten? <3",
    "ladder van 3 meter lenen & terugbrengen",
    "help met verhuizen op 12 december",
    "voor nummer {n}: een lamp ophangen",
    "tomorrow a lift to the station at 9",
    "kan iemand 2 tassen naar de container brengen",
    "oppas gezocht zaterdag",
)


@dataclass
class World:
    chats: list[Chat]
    residents: dict[int, list[User]]
    #: Group chats with the bot's join-request link, and neighbours who may ask to join.
    groups: list[tuple[Chat, str, list[User]]] = field(default_factory=list)


async def _group_of(
    sb: Sandbox, chat: Chat, owner: User, title: str, echo: Bot | None
) -> tuple[Chat, str]:
    """A group chat with the bot as admin and the bot's join-request link to it."""
    token = None
    if echo is None:  # our bot: the whole spin-up, /newgroup and the link with its token
        await owner.send(chat, f"/newgroup {title}")
        while token is None:  # the replies before it (the /ask card) are skipped
            buttons = (await chat.next_bot_message(timeout=30)).buttons
            url = buttons[0][0].get("url", "") if buttons else ""
            token = parse_qs(urlsplit(url).query).get("startgroup", [None])[0]
    group = sb.add_group(title, members=[owner], admins=[owner], supergroup=True)
    await group.add_bot(by=owner, payload=token)
    await sb.promote_bot(group, by=owner, can_invite_users=True, can_restrict_members=True)
    if echo is not None:  # the echo bot makes its link here; ours makes it when promoted
        await echo.create_chat_invite_link(group.id, creates_join_request=True)
    for _ in range(100):
        links = [url for url, link in sb.invite_links.items() if link.chat_id == group.id]
        if links:
            return group, links[0]
        await asyncio.sleep(0.05)
    raise RuntimeError(f"no invite link for {title}")


async def _world(sb: Sandbox, echo: Bot | None) -> World:
    """The same chats for both bots; ours also gets its neighbourhoods and groups set up."""
    world = World([], {})
    for c in range(CHATS):
        people = [sb.add_user(f"R{c}-{n}", language_code="en") for n in range(PER_CHAT)]
        joiners = [sb.add_user(f"J{c}-{n}", language_code="en") for n in range(JOINERS)]
        members = people + (joiners if c < GROUPS else [])
        chat = sb.add_group(f"Buurt {c}", members=members, admins=[people[0]], supergroup=True)
        await chat.add_bot(by=people[0])
        await sb.promote_bot(chat, by=people[0], can_invite_users=True, can_restrict_members=True)
        world.chats.append(chat)
        world.residents[chat.id] = people
        if echo is None:
            await people[0].send(chat, "/setup")
            await chat.next_bot_message(timeout=30)
        for person in members[1:]:  # residents: they wrote in the neighbourhood chat
            await person.send(chat, "hallo")
        # A card to press from the start: ours posts a request card, the echo bot a button.
        await people[0].send(chat, "/ask " + ASKS[c % len(ASKS)].format(n=c))
        if c < GROUPS:
            group, link = await _group_of(sb, chat, people[0], f"Klus {c}", echo)
            world.groups.append((group, link, joiners))
    for chat in world.chats:  # every chat has its card before the run starts
        for _ in range(600):
            if any(map(_data, sb.messages_in(chat))):
                break
            await asyncio.sleep(0.05)
    return world


@dataclass
class Load:
    sent: dict[str, float] = field(default_factory=dict)  # key of the expected answer → time


def _data(message: SentMessage) -> list[str]:
    return [b["callback_data"] for row in message.buttons for b in row if b.get("callback_data")]


def _key_reply(chat_id: int, message_id: int) -> str:
    return f"reply {chat_id}:{message_id}"


async def _drive(sb: Sandbox, world: World, rate: float | None, seed: int) -> Load:
    """Send UPDATES updates, at `rate` per second (None: as fast as possible)."""
    rng = random.Random(seed)
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    load = Load()
    started = time.perf_counter()
    for n in range(UPDATES):
        if rate is not None:
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        chat = world.chats[n % len(world.chats)]
        person = world.residents[chat.id][rng.randrange(PER_CHAT)]
        kind = rng.choice(kinds)
        if kind == "press":  # any button of any card in the chat: claims, done, refusals
            cards = [m for m in sb.messages_in(chat) if _data(m)]
            if not cards:  # every card here is done: a card of another chat, then
                chat = rng.choice([c for c in world.chats if any(map(_data, sb.messages_in(c)))])
                person = world.residents[chat.id][rng.randrange(PER_CHAT)]
                cards = [m for m in sb.messages_in(chat) if _data(m)]
            card = rng.choice(cards)
            # Claim, release, done: the presses; Cancel is the asker's alone.
            presses = [d for d in _data(card) if not isinstance(decode(d), CancelRequest)]
            data = presses or _data(card)
            handle = await person.press_data(card, rng.choice(data))
            load.sent[f"answer {handle.query_id}"] = time.monotonic()
        elif kind == "join":  # a neighbour asks to join a group; once they are out, strangers
            group, link, joiners = rng.choice(world.groups)
            joiner = joiners.pop() if joiners else sb.add_user(f"S{n}", language_code="en")
            await joiner.request_join(link)
            load.sent[f"join {group.id}:{joiner.id}"] = time.monotonic()
        elif kind in ("ask", "requests"):
            text = "/requests" if kind == "requests" else "/ask " + ASKS[n % len(ASKS)].format(n=n)
            message = await person.send(chat, text)
            load.sent[_key_reply(chat.id, message.message_id)] = time.monotonic()
        else:
            await person.send(chat, f"praatje {n}")
    for n, chat in enumerate(world.chats, start=UPDATES):
        # Ends each chat (its reply means all before it was handled), at the same pace.
        if rate is not None:
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        message = await world.residents[chat.id][0].send(chat, "/requests")
        load.sent[_key_reply(chat.id, message.message_id)] = time.monotonic()
    return load


def _answered(sb: Sandbox) -> dict[str, float]:
    done: dict[str, float] = {}
    for call in sb.calls:
        p: dict[str, Any] = call.params
        if call.method == "sendMessage" and p.get("reply_parameters"):
            reply = p["reply_parameters"]
            reply = reply if isinstance(reply, dict) else json.loads(reply)
            done.setdefault(_key_reply(int(p["chat_id"]), int(reply["message_id"])), call.time)
        elif call.method == "sendMessage" and p.get("reply_to_message_id"):
            done.setdefault(_key_reply(int(p["chat_id"]), int(p["reply_to_message_id"])), call.time)
        elif call.method == "answerCallbackQuery":
            done.setdefault(f"answer {p['callback_query_id']}", call.time)
        elif call.method in ("approveChatJoinRequest", "declineChatJoinRequest"):
            done.setdefault(f"join {int(p['chat_id'])}:{int(p['user_id'])}", call.time)
    return done


async def _measure(sb: Sandbox, world: World, rate: float | None) -> dict[str, float]:
    started, cpu = time.monotonic(), time.process_time()
    load = await _drive(sb, world, rate, seed=7)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = _answered(sb)
        if all(key in done for key in load.sent):
            break
        await asyncio.sleep(0.05)
    done = _answered(sb)
    latencies = sorted(done[k] - t for k, t in load.sent.items() if k in done)
    finished = max(done[k] for k in load.sent if k in done)
    return {
        "updates": UPDATES + len(world.chats),
        "seconds": finished - started,
        "per_second": (UPDATES + len(world.chats)) / (finished - started),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "unanswered": len([k for k in load.sent if k not in done]),
        # CPU of the whole process (sandbox included) per update: steadier than wall time.
        "cpu_ms": (time.process_time() - cpu) * 1000 / (UPDATES + len(world.chats)),
    }


@asynccontextmanager
async def echo_bot(sb: Sandbox) -> AsyncIterator[Bot]:
    """The floor: PTB with one answering call per update and nothing else."""
    card = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message and message.text:  # like ours, an /ask gets a card with a button
            await message.reply_text("ok", reply_markup=card if "/ask" in message.text else None)

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    async def approve(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.chat_join_request is not None
        await update.chat_join_request.approve()

    app = ApplicationBuilder().token(TOKEN).base_url(sb.base_url).concurrent_updates(64).build()
    app.add_handler(MessageHandler(filters.TEXT, reply))
    app.add_handler(CallbackQueryHandler(answer))
    app.add_handler(ChatJoinRequestHandler(approve))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=1)
        await app.start()
        try:
            yield app.bot
        finally:
            await app.updater.stop()
            await app.stop()


async def _run(kind: str, rate: float | None, url: str | None = None) -> dict[str, float]:
    """One measurement: kind is "echo", "full" (durable intake) or "ptb" (PTB's updater)."""
    async with Sandbox(TOKEN, bot_username="bench_bot", privacy_mode=False) as sb:
        with tempfile.TemporaryDirectory() as folder:
            config = Config.model_validate(
                {
                    "telegram": {
                        "token": TOKEN,
                        "base_url": sb.base_url,
                        "messages_per_second": 10_000,  # see the module's docstring
                    },
                    "database": {"url": url or f"sqlite+aiosqlite:///{Path(folder) / 't.db'}"},
                    "scheduler": {"interval_seconds": 86400},
                    "limits": {"commands_per_minute": 10_000},
                }
            )
            if kind == "echo":
                async with echo_bot(sb) as bot:
                    await sb.wait_polling()
                    world = await _world(sb, echo=bot)
                    await sb.idle(timeout=30)
                    return await _measure(sb, world, rate)
            async with running(config, ptb_updater=kind == "ptb"):
                await sb.wait_polling()
                world = await _world(sb, echo=None)
                await sb.idle(timeout=30)
                return await _measure(sb, world, rate)


@asynccontextmanager
async def _fresh_postgres(url: str) -> AsyncIterator[str]:
    """An empty PostgreSQL database of its own, dropped afterwards."""
    name = f"bench_{random.randrange(1 << 30)}"
    admin = database.create_engine(url)
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(False)
    finally:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


async def rows() -> list[Row]:
    echo = await _run("echo", rate=None)
    ptb = await _run("ptb", rate=None)
    full = await _run("full", rate=None)
    paced = await _run("full", rate=100)
    result = [
        Row(
            "echo bot (baseline), as fast as possible",
            "",
            f"{echo['per_second']:.0f} upd/s, {echo['cpu_ms']:.1f} ms CPU/update",
        ),
        Row(
            "full bot, SQLite, as fast as possible",
            ">= 0.7x echo",
            f"{full['per_second']:.0f} upd/s, {full['cpu_ms']:.1f} ms CPU/update",
            f"{full['per_second'] / echo['per_second']:.2f}x "
            f"{met(full['per_second'] >= 0.7 * echo['per_second'])}",
        ),
        Row(
            "full bot with PTB's updater (not durable)",
            "",
            f"{ptb['per_second']:.0f} upd/s, {ptb['cpu_ms']:.1f} ms CPU/update",
            f"durable intake: {full['per_second'] / ptb['per_second']:.2f}x of this",
        ),
        Row(
            "full bot, SQLite, at 100 updates/s",
            "p99 < 50 ms",
            f"p50 {paced['p50_ms']:.0f} ms, p99 {paced['p99_ms']:.0f} ms",
            met(paced["p99_ms"] < 50),
        ),
    ]
    postgres = os.environ.get("BUURTBOT_TEST_POSTGRES_URL")
    if postgres:
        async with _fresh_postgres(postgres) as url:
            pg = await _run("full", rate=None, url=url)
        async with _fresh_postgres(postgres) as url:
            pg_paced = await _run("full", rate=100, url=url)
        result += [
            Row(
                "full bot, PostgreSQL, as fast as possible",
                "",
                f"{pg['per_second']:.0f} upd/s",
                f"{pg['per_second'] / echo['per_second']:.2f}x echo",
            ),
            Row(
                "full bot, PostgreSQL, at 100 updates/s",
                "p99 < 50 ms",
                f"p50 {pg_paced['p50_ms']:.0f} ms, p99 {pg_paced['p99_ms']:.0f} ms",
                met(pg_paced["p99_ms"] < 50),
            ),
        ]
    unanswered = sum(int(r["unanswered"]) for r in (echo, ptb, full, paced))
    result.append(Row("updates left unanswered", "0", str(unanswered), met(unanswered == 0)))
    return result


if __name__ == "__main__":
    show(
        "Update throughput and latency (sandbox over HTTP, Telegram's limits off)",
        asyncio.run(rows()),
    )
