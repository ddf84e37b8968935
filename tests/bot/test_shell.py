"""The shell runs with no messenger configured: a stub transport made here stands in.

No [telegram] section, no PTB Application, no Bot: the services, the database, the
scheduler's round, the outbox and the courier do their work, and the stub is the only
way out. This is what a Signal-only deployment, or a third transport, builds on.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.app import build_services, close_database, open_database
from bot.clock import ManualClock
from bot.config import Config
from bot.courier import Courier
from bot.delivery import Delivery, Sent
from bot.effects import Passing
from bot.outbox import ONCE, Kind
from bot.receipts import Receipts
from bot.scheduler import run_round
from handlers.receipts import KINDS
from models.entities import Nudge, NudgeStatus, OutboxMessage
from tests.models.test_scheduler import _group, _home


class StubTransport:
    """Takes every row and says it was sent, as message 1, 2, 3, ..."""

    def __init__(self) -> None:
        self.performed: list[OutboxMessage] = []
        self.acted: list[Passing] = []

    async def perform(self, row: OutboxMessage) -> Delivery:
        self.performed.append(row)
        return Sent(len(self.performed))

    async def act(self, effect: Passing) -> None:
        self.acted.append(effect)


async def test_the_shell_nudges_a_quiet_group_through_a_stub_transport(tmp_path: Path) -> None:
    config = Config.model_validate(
        {"database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'shell.db'}"}}
    )
    assert config.telegram is None
    clock = ManualClock()
    services = build_services(config, clock=clock)
    await open_database(services)
    assert services.sessionmaker is not None
    stub = StubTransport()
    services.act = stub.act
    services.courier = Courier(
        services.sessionmaker,
        perform=stub.perform,
        act=stub.act,
        receipts=Receipts(KINDS, services.translator),
        clock=clock,
    )
    await services.courier.start()
    try:
        async with services.session() as session:
            home = await _home(session)
            home.quiet_start = home.quiet_end = "00:00"  # no quiet hours, whatever the hour
            group = await _group(session, home, -100, clock.now())
            await session.commit()
        assert (await run_round(services)).decided == 0  # linked just now
        clock.advance(timedelta(days=15))
        report = await run_round(services)
        assert (report.decided, report.sent, report.failed) == (1, 1, 0)
        (row,) = stub.performed
        assert (row.kind, row.chat_id, row.remember) == (Kind.SEND, -100, "nudge")
        assert f'"{ONCE}": true' in row.params and '"choices"' in row.params
        async with services.session() as session:
            nudge = await session.get(Nudge, row.remember_id)
            assert nudge is not None and nudge.group_id == group.id
            assert (nudge.status, nudge.message_id) == (NudgeStatus.SENT, 1)
    finally:
        await services.courier.stop()
        await close_database(services)
