"""The shell's factory: the services, the database and the chores, with no messenger.

Each transport has a factory of its own (Telegram: transports/telegram/app.py) that
builds on these; the shell itself needs nothing of any messenger's library.
"""

from __future__ import annotations

from bot import scheduler
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.context import Services
from bot.i18n import Translator
from handlers import linking
from models import database
from models.people import Presence


def build_services(
    config: Config, translator: Translator | None = None, clock: Clock | None = None
) -> Services:
    """`clock` is real time unless a test or the demo brings a ManualClock to move it."""
    return Services(
        config=config,
        translator=translator or Translator(config.defaults.language),
        clock=clock or SystemClock(),
    )


async def open_database(services: Services) -> None:
    """Connect, and migrate first when the config says so."""
    config = services.config
    engine = database.create_engine(config.database.url)
    if config.database.migrate_on_start:
        await database.upgrade(engine)
    services.engine = engine
    services.sessionmaker = database.sessionmaker(engine, {"presence": Presence()})


async def close_database(services: Services) -> None:
    if services.engine is not None:
        await services.engine.dispose()
        services.engine = None
        services.sessionmaker = None


def plan_chores(services: Services) -> None:
    """The scheduler's round, and the link waits a restart left: they run once the timer
    starts."""
    services.timer.once(0, lambda: linking.after_restart(services), "link waits after a restart")
    interval = services.config.scheduler.interval_seconds
    services.timer.every(
        interval,
        lambda: scheduler.run_round(services),
        scheduler.ROUND,
        first=min(interval, 30),
    )
