"""What the log says when something fails: never who wrote, what they wrote, or their id.

README promises logs at INFO without names, user ids or message texts. These tests make
real updates and sends fail and read every line the bot logged at INFO or above,
tracebacks included.
"""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import text

from bot.context import BuurtApplication
from sandbox import Chat, Sandbox, User
from tests.e2e.conftest import People, db, eventually
from transports.telegram.app import services_of

ASK = "/ask boodschappen voor mevrouw Jansen"


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    """The bot's log at INFO and above, as an operator would read it (the sandbox's aside)."""
    lines = []
    for record in caplog.records:
        if record.levelno < logging.INFO or record.name.startswith("sandbox"):
            continue
        lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


def _personal(log: str, person: User, *texts: str) -> list[str]:
    """What of this person the log gives away."""
    found = [word for word in (person.first_name, person.last_name or "", *texts) if word in log]
    if re.search(rf"(?<!\d){person.id}(?!\d)", log):
        found.append(f"user id {person.id}")
    return [word for word in found if word]


async def _street(sb: Sandbox, admin: User, *members: User) -> Chat:
    """A neighbourhood chat whose members have not said anything yet."""
    chat = sb.add_group("Kerklaan", members=[admin, *members], admins=[admin], supergroup=True)
    await chat.add_bot(by=admin)
    await sb.promote_bot(chat, by=admin, can_invite_users=True, can_restrict_members=True)
    await admin.send(chat, "/setup")
    await chat.next_bot_message()
    return chat


async def _refuse_rows(app: BuurtApplication, table: str) -> None:
    """Every new row of `table` is refused from now on, as a bug or a bad migration would."""
    engine = services_of(app).engine
    assert engine is not None
    if engine.dialect.name == "postgresql":
        # A CHECK makes PostgreSQL quote the whole failing row back in its error.
        statement = f'ALTER TABLE "{table}" ADD CONSTRAINT refuse CHECK (false) NOT VALID'
    else:
        statement = (
            f'CREATE TRIGGER refuse BEFORE INSERT ON "{table}" '
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    async with db(app) as session:
        await session.execute(text(statement))
        await session.commit()


@pytest.mark.parametrize("table", ["user", "request"])
async def test_a_failing_statement_logs_no_personal_data(
    sb: Sandbox,
    people: People,
    bot_on_each_database: BuurtApplication,
    caplog: pytest.LogCaptureFixture,
    table: str,
):
    caplog.set_level(logging.INFO)
    app = bot_on_each_database
    neighbour = sb.add_user("Wilhelmina", last_name="Zonneveld", language_code="en")
    street = await _street(sb, people.anna, neighbour)
    if table == "request":  # known to the bot; her request is what fails
        await neighbour.send(street, "/help")
        await street.next_bot_message()
    await _refuse_rows(app, table)  # "user": the first sight of her is what fails
    await neighbour.send(street, ASK)
    assert "Sorry" in (await street.next_bot_message(timeout=10)).text  # after the last try
    log = _logged(caplog)
    assert "could not be handled" in log and "refuse" in log  # the failure itself is logged
    assert _personal(log, neighbour, "mevrouw Jansen", "boodschappen") == []


async def test_a_refused_message_to_a_person_logs_no_user_id(
    sb: Sandbox, people: People, bot: BuurtApplication, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    sb.fail_method(
        "sendMessage", error_code=400, description="Bad Request: chat not found", times=1
    )
    await people.piet.start()

    async def refused() -> bool:
        return "Telegram refused to send" in _logged(caplog)

    await eventually(refused)
    log = _logged(caplog)
    assert _personal(log, people.piet) == []
    assert "a private chat" in log
