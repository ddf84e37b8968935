"""Nothing is lost and nothing happens twice: the inbox, the outbox and their failures."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text
from telegram import Update

from bot.cli import inbox_command
from bot.config import Config
from bot.context import BuurtApplication
from models import Request, User, database, inbox
from models.entities import InboxState, InboxUpdate, OutboxMessage
from sandbox import Sandbox
from tests.conftest import BACKENDS, utcnow
from tests.e2e.conftest import (
    TOKEN,
    People,
    db,
    eventually,
    make_config,
    postgres_database,
    running,
)
from tests.e2e.groups_world import neighbourhood
from transports.telegram import intake as intake_module
from transports.telegram.app import running as app_running
from transports.telegram.app import services_of


async def _count(app: BuurtApplication, entity: type) -> int:
    async with db(app) as session:
        return int(await session.scalar(select(func.count()).select_from(entity)) or 0)


async def test_an_update_delivered_twice_has_its_effects_once(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    await people.piet.send(street.chat, "/ask boodschappen voor mevrouw Jansen")
    card = await street.chat.next_bot_message()
    delivered = [
        update
        for call in sb.calls_to("getUpdates")
        if call.ok
        for update in call.result
        if "boodschappen" in str(update)
    ]
    assert len(delivered) == 1
    intake = services_of(bot).intake
    assert intake is not None
    # Telegram sends it again (it does, when it did not hear our acknowledgement).
    await intake.accept([Update.de_json(delivered[0], bot.bot)])
    await people.piet.send(street.chat, "/requests")  # handled after the copy, in order
    await street.chat.next_bot_message()
    assert await _count(bot, Request) == 1
    cards = [m for m in sb.messages_in(street.chat) if m.button_texts == card.button_texts]
    assert cards == [card]


async def test_a_failing_update_is_parked_and_can_be_retried(
    sb: Sandbox, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    monkeypatch.setattr(intake_module, "RECHECK_EVERY", 0.2)
    config = make_config(sb, tmp_path, [])
    async with running(sb, config) as app:
        street = await neighbourhood(sb, people.anna, people.piet)
        async with db(app) as session:  # every new request is refused, as a bug would
            await session.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON request "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
            await session.commit()
        await people.piet.send(street.chat, "/ask boodschappen")
        apology = await street.chat.next_bot_message()
        assert "Sorry" in apology.text  # once, after the last try

        async def parked() -> bool:
            async with db(app) as session:
                return bool(
                    await session.scalar(
                        select(func.count()).where(InboxUpdate.state == InboxState.PARKED)
                    )
                )

        await eventually(parked)
        # The chat behind it is not held up.
        await people.piet.send(street.chat, "/requests")
        assert "Sorry" not in (await street.chat.next_bot_message()).text

        assert await inbox_command(config, "list", [], False) == 0
        listing = capsys.readouterr().out
        assert "1 parked update(s)" in listing and "IntegrityError" in listing
        assert "boodschappen" not in listing  # the operator sees ids, not what people wrote
        assert await inbox_command(config, "retry", [], False) == 2  # which ones?
        assert "name update ids, or --all" in capsys.readouterr().err
        assert await inbox_command(config, "retry", [123456789], False) == 0  # not parked
        assert "0 update(s)" in capsys.readouterr().out
        assert await parked()

        async with db(app) as session:  # the bug is fixed
            await session.execute(text("DROP TRIGGER refuse"))
            await session.commit()
        assert await inbox_command(config, "retry", [], True) == 0
        card = await street.chat.next_bot_message()
        assert "boodschappen" in card.text
        assert await _count(app, Request) == 1
        assert not await parked()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_large_backlog_is_taken_from_the_inbox_a_page_at_a_time(
    sb: Sandbox, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
):
    monkeypatch.setattr(intake_module, "MAX_IN_FLIGHT", 5)
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(postgres_database()) if backend != "sqlite" else None
        config = make_config(sb, tmp_path, [], url)
        askers = [people.piet, sb.add_user("Kees"), sb.add_user("Ilse")]
        async with running(sb, config):
            streets = [
                (await neighbourhood(sb, admin, asker, title=title)).chat
                for admin, asker, title in zip(
                    (people.anna, people.fleur, sb.add_user("Dirk")),
                    askers,
                    ("Kerklaan", "Dorpsstraat", "Molenweg"),
                    strict=True,
                )
            ]
        # The bot is away; asks pile up, ten in each street (six times what it may hold).
        asks = [f"klus{n:02d}" for n in range(10)]
        for ask in asks:
            for asker, street in zip(askers, streets, strict=True):
                await asker.send(street, f"/ask {ask}")
        # A bot stored them all and died before handling any: they wait in its inbox.
        backlog = sb.world.updates.pending
        engine = database.create_engine(config.database.url)
        async with database.sessionmaker(engine)() as session:
            await inbox.store(
                session,
                [
                    inbox.Arrival(u["update_id"], u["message"]["chat"]["id"], json.dumps(u))
                    for u in backlog
                ],
                now=utcnow(),
            )
            await session.commit()
        await engine.dispose()
        sb.world.updates.acknowledge(backlog[-1]["update_id"] + 1)

        async with app_running(config) as app:  # nothing new to send it: no need to poll first
            intake = services_of(app).intake
            assert intake is not None
            most = 0

            async def watch() -> None:
                nonlocal most
                while True:
                    most = max(most, intake.in_flight)
                    await asyncio.sleep(0.005)

            async def handled() -> bool:
                return await _count(app, Request) == len(asks) * len(streets)

            watcher = asyncio.create_task(watch())
            try:
                await eventually(handled, timeout=30)
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            assert 0 < most <= 5, f"{most} updates in hand at once"
            async with db(app) as session:
                for street in streets:  # each street's asks handled in the order they were made
                    in_street = select(Request.text).where(Request.chat_id == street.id)
                    assert list(await session.scalars(in_street.order_by(Request.id))) == asks


async def test_messages_that_fail_are_sent_again_in_order(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    sb.fail_method("sendMessage", error_code=502, description="Bad Gateway", times=2)
    await people.piet.start()
    await people.piet.send(people.piet.dm, "/help")
    first = await people.piet.dm.next_bot_message(timeout=15)
    second = await people.piet.dm.next_bot_message(timeout=15)
    assert "Hello Piet" in first.text and "What you can do" in second.text  # in order
    assert len(sb.messages_in(people.piet.dm)) == 2  # each once

    async def outbox_empty() -> bool:
        return await _count(bot, OutboxMessage) == 0

    await eventually(outbox_empty)


async def test_a_person_who_blocked_the_bot_counts_as_unreachable_until_start(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    anna, piet = people.anna, people.piet
    street = await neighbourhood(sb, anna, piet)
    await piet.start()
    await piet.dm.next_bot_message()
    await piet.send(street.chat, "/ask boodschappen")
    card = await street.chat.next_bot_message()
    await piet.block_bot()
    await anna.press(card, "Ik help")  # the bot tries to tell Piet, and gets 403

    async def started() -> bool:
        async with db(bot) as session:
            user = await session.get(User, piet.id, populate_existing=True)
            return user is not None and user.started_at is not None

    async def unreachable() -> bool:
        return not await started()

    await eventually(unreachable)
    await piet.unblock_bot()
    await piet.start()
    await eventually(started)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_webhook_refuses_updates_without_the_secret(tmp_path: Path):
    async with Sandbox(TOKEN, bot_username="buurtbot_test", http_webhooks=True) as sb:
        await _refuses_without_the_secret(sb, tmp_path)


async def _refuses_without_the_secret(sb: Sandbox, tmp_path: Path) -> None:
    port = _free_port()
    config = Config.model_validate(
        {
            "telegram": {
                "token": TOKEN,
                "base_url": sb.base_url,
                "mode": "webhook",
                "webhook": {
                    "listen": "127.0.0.1",
                    "port": port,
                    "url": f"http://127.0.0.1:{port}/hook",
                    "secret_token": "s3cret-s3cret",
                },
            },
            "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"},
        }
    )
    update = {
        "update_id": 99,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 5, "type": "private", "first_name": "Mallory"},
            "from": {"id": 5, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
        },
    }
    async with app_running(config) as app, httpx.AsyncClient() as client:
        url = f"http://127.0.0.1:{port}/hook"
        for headers in ({}, {intake_module.SECRET_HEADER: "guess"}):
            answer = await client.post(url, json=update, headers=headers)
            assert answer.status_code == 403
        secret = {intake_module.SECRET_HEADER: "s3cret-s3cret"}
        for body in (b"{not json", b"[1, 2]"):  # with the secret, but not an update
            answer = await client.post(url, content=body, headers=secret)
            assert answer.status_code == 400
        assert await _count(app, InboxUpdate) == 0
        answer = await client.post(
            url, json=update, headers={intake_module.SECRET_HEADER: "s3cret-s3cret"}
        )
        assert answer.status_code == 200
        assert await _count(app, InboxUpdate) == 1


async def test_an_outbox_row_that_cannot_be_sent_is_dropped_not_retried_forever(
    bot: BuurtApplication, caplog
):
    async with db(bot) as session:
        session.add(
            OutboxMessage(
                chat_id=5,
                kind="nonsense",
                params="{}",
                attempts=0,
                next_attempt_at=utcnow(),
                created_at=utcnow(),
            )
        )
        await session.commit()

    async def outbox_empty() -> bool:
        return await _count(bot, OutboxMessage) == 0

    await eventually(outbox_empty)
    assert any("cannot be sent; dropped" in record.getMessage() for record in caplog.records)


async def test_a_row_written_before_receipts_had_classes_still_settles(
    sb: Sandbox, people: People, bot: BuurtApplication
):
    street = await neighbourhood(sb, people.anna, people.piet)
    await people.piet.send(street.chat, "/ask boodschappen")
    await street.chat.next_bot_message()
    async with db(bot) as session:  # as an older bot left it: the receipt is two columns
        request = await session.scalar(select(Request))
        assert request is not None
        params = {"text": "boodschappen, opnieuw", "markup": None, "reply_to": None}
        session.add(
            OutboxMessage(
                chat_id=street.chat.id,
                kind="send",
                params=json.dumps(params),
                remember="card",
                remember_id=request.id,
                attempts=0,
                next_attempt_at=utcnow(),
                created_at=utcnow(),
            )
        )
        await session.commit()
    card = await street.chat.next_bot_message()
    assert card.text == "boodschappen, opnieuw"

    async def recorded() -> bool:
        async with db(bot) as session:
            found = await session.get(Request, request.id, populate_existing=True)
            return found is not None and found.card_message_id == card.message_id

    await eventually(recorded)


async def test_the_tries_of_a_failing_update_count_once_against_the_brake(
    sb: Sandbox, people: People, tmp_path: Path
):
    config = make_config(sb, tmp_path, [])
    config = config.model_copy(
        update={"limits": config.limits.model_copy(update={"commands_per_minute": 3})}
    )
    async with running(sb, config) as app:
        street = await neighbourhood(sb, people.anna, people.piet, language="en")
        async with db(app) as session:
            await session.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON request "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
            await session.commit()
        await people.piet.send(street.chat, "/ask boodschappen")  # tried three times
        assert "Sorry" in (await street.chat.next_bot_message()).text
        for _ in range(2):  # the second and third command of this minute
            await people.piet.send(street.chat, "/requests")
            assert "Slow down" not in (await street.chat.next_bot_message()).text
        await people.piet.send(street.chat, "/requests")  # the fourth
        assert "Slow down" in (await street.chat.next_bot_message()).text
