"""Telegram's factory: configuration in, a ready PTB Application on the shell's services out.

Nothing happens at import. The shell's parts come from bot/app.py.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults, ExtBot
from telegram.request import HTTPXRequest

import handlers
from bot.app import build_services, close_database, open_database, plan_chores
from bot.clock import Clock
from bot.config import Config
from bot.context import BuurtApplication, BuurtContext, Services
from bot.courier import Courier
from bot.i18n import Translator
from bot.logs import chat_in_log
from bot.processor import TransactionalProcessor
from bot.receipts import Receipts
from handlers import receipts
from handlers.commands import menus
from models.database import is_outage
from transports.telegram import facts
from transports.telegram.intake import ALLOWED_UPDATES, Intake, patiently
from transports.telegram.pacing import Pacing
from transports.telegram.perform import act, perform

log = logging.getLogger(__name__)

#: Telegram's 429s are waited out this many times before a call gives up.
RATE_LIMIT_RETRIES = 5
#: Concurrent connections to the Bot API for everything but getUpdates.
CONNECTION_POOL = 64


def build_application(
    config: Config,
    translator: Translator | None = None,
    *,
    ptb_updater: bool = False,
    clock: Clock | None = None,
) -> BuurtApplication:
    """The bot; `ptb_updater` swaps the durable intake for PTB's own, to compare them.

    `clock` is real time unless a test or the demo brings a ManualClock to move it.
    """
    services = build_services(config, translator, clock)
    telegram = config.telegram_settings()
    bot: ExtBot[Any] = ExtBot(
        token=telegram.token.get_secret_value(),
        base_url=telegram.base_url,
        # Paced evenly rather than in bursts of 30: Telegram (and the sandbox) count any
        # one-second window, and a burst plus a leaky bucket's refill goes over.
        rate_limiter=Pacing(telegram.messages_per_second, RATE_LIMIT_RETRIES),
        # Every text is HTML from the translator, and a link in it is never previewed.
        defaults=Defaults(
            parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
        ),
        request=HTTPXRequest(connection_pool_size=CONNECTION_POOL),
        get_updates_request=HTTPXRequest(),
    )
    processor = TransactionalProcessor(services, bot)
    # The shell's own timer runs the scheduler (bot/timer.py), not PTB's JobQueue.
    builder = ApplicationBuilder().bot(bot).job_queue(None)
    if not ptb_updater:
        # Updates come from our own durable intake (transports/telegram/intake.py),
        # not PTB's updater.
        builder = builder.updater(None)
    app: BuurtApplication = (
        builder
        # The processor delivers each update's messages after its transaction commits.
        .concurrent_updates(processor)
        .context_types(ContextTypes(context=BuurtContext))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    processor.application = app
    processor.fetch_facts = functools.partial(facts.for_update, app.bot)
    services.chat_facts = functools.partial(facts.for_chat, app.bot)
    services.act = functools.partial(act, app.bot)
    for module in handlers.MODULES:
        module.register(app)
    app.add_error_handler(_on_error)
    return app


@contextlib.asynccontextmanager
async def running(
    config: Config,
    *,
    poll_timeout: int | None = None,
    ptb_updater: bool = False,
    clock: Clock | None = None,
) -> AsyncIterator[BuurtApplication]:
    """The running bot, inside the caller's event loop: `buurtbot run`, tests and benches."""
    app = build_application(config, ptb_updater=ptb_updater, clock=clock)
    services = services_of(app)
    await patiently(app.initialize, "getMe")
    async with app:  # initialized above; this shuts it down at the end
        assert app.post_init is not None and app.post_shutdown is not None
        await app.post_init(app)
        assert services.sessionmaker is not None and services.act is not None
        courier = services.courier = Courier(
            services.sessionmaker,
            perform=functools.partial(perform, app.bot),
            act=services.act,
            receipts=Receipts(receipts.KINDS, services.translator),
            clock=services.clock,
        )
        intake = services.intake = Intake(app, services)
        try:
            await courier.start()
            await app.start()
            services.timer.start()
            if app.updater is not None:  # PTB's intake, for comparison only
                await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=1)
            else:
                await intake.start(*(() if poll_timeout is None else (poll_timeout,)))
            yield app
        finally:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            await intake.stop()
            await services.timer.stop()
            if app.running:
                await app.stop()
            await courier.stop()
            await app.post_shutdown(app)


def services_of(app: BuurtApplication) -> Services:
    processor = app.update_processor
    assert isinstance(processor, TransactionalProcessor)
    return processor.services


async def _post_init(app: BuurtApplication) -> None:
    """Open the database and introduce ourselves to Telegram; runs before the first update."""
    services = services_of(app)
    await open_database(services)
    await publish_commands(app, services.translator)
    plan_chores(services)


async def _post_shutdown(app: BuurtApplication) -> None:
    await close_database(services_of(app))


async def publish_commands(app: BuurtApplication, translator: Translator) -> None:
    """Command menus are cosmetic: failing to set them must never stop the bot."""
    for scope, language, commands in menus(translator):
        try:
            await app.bot.set_my_commands(commands, scope=scope, language_code=language)
        except TelegramError as exc:
            log.warning("could not set the command menu (%s, %s): %s", scope.type, language, exc)


async def _on_error(update: object, context: BuurtContext) -> None:
    """Log the fault, undo the update's changes, and tell the person kindly."""
    scope = context.scope
    if scope is not None:
        scope.failed, scope.error = True, context.error
    if context.error is not None and is_outage(context.error):
        return  # not the update's fault: it waits in the inbox and is handled later
    if scope is not None and not scope.final:
        log.warning("an update could not be handled; trying again", exc_info=context.error)
        return
    log.error("an update could not be handled", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    _ = context.gettext()
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            _("Sorry, something went wrong on my side. Please try again in a moment."),
        )
    except TelegramError:
        log.warning("could not tell %s about an error", chat_in_log(update.effective_chat.id))
