"""The app factory: configuration in, a ready PTB Application out, nothing at import."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Conflict, TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, ExtBot
from telegram.request import HTTPXRequest

import handlers
from bot import scheduler
from bot.config import Config
from bot.context import BuurtApplication, BuurtContext, Services
from bot.i18n import Translator
from bot.processor import TransactionalProcessor
from handlers.commands import menus
from models import database

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
    Update.CHAT_MEMBER,
    Update.CHAT_JOIN_REQUEST,
    Update.POLL,
    Update.POLL_ANSWER,
]
#: Telegram's 429s are waited out this many times before a call gives up.
RATE_LIMIT_RETRIES = 5
#: Messages per second, overall. Paced one at a time rather than in bursts of 30:
#: Telegram (and the sandbox) count any one-second window, and a burst plus the
#: refill of a leaky bucket would go over.
OVERALL_RATE = 29
#: Concurrent connections to the Bot API for everything but getUpdates.
CONNECTION_POOL = 64


def build_application(config: Config, translator: Translator | None = None) -> BuurtApplication:
    services = Services(
        config=config, translator=translator or Translator(config.defaults.language)
    )
    bot: ExtBot[Any] = ExtBot(
        token=config.telegram.token.get_secret_value(),
        base_url=config.telegram.base_url,
        rate_limiter=AIORateLimiter(
            overall_max_rate=1,
            overall_time_period=1 / OVERALL_RATE,
            max_retries=RATE_LIMIT_RETRIES,
        ),
        request=HTTPXRequest(connection_pool_size=CONNECTION_POOL),
        get_updates_request=HTTPXRequest(),
    )
    app: BuurtApplication = (
        ApplicationBuilder()
        .bot(bot)
        # The processor delivers each update's messages after its transaction commits.
        .concurrent_updates(TransactionalProcessor(services, bot))
        .context_types(ContextTypes(context=BuurtContext))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    for module in handlers.MODULES:
        module.register(app)
    app.add_error_handler(_on_error)
    return app


@contextlib.asynccontextmanager
async def running(config: Config) -> AsyncIterator[BuurtApplication]:
    """What `buurtbot run` does in polling mode, inside the caller's event loop (tests, bench)."""
    app = build_application(config)
    async with app:
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
        await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=1)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
            assert app.post_shutdown is not None
            await app.post_shutdown(app)


def services_of(app: BuurtApplication) -> Services:
    processor = app.update_processor
    assert isinstance(processor, TransactionalProcessor)
    return processor.services


async def _post_init(app: BuurtApplication) -> None:
    """Open the database and introduce ourselves to Telegram; runs before the first update."""
    services = services_of(app)
    config = services.config
    engine = database.create_engine(config.database.url)
    if config.database.migrate_on_start:
        await database.upgrade(engine)
    services.engine = engine
    services.sessionmaker = database.sessionmaker(engine)
    await publish_commands(app, services.translator)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            scheduler.job,
            interval=config.scheduler.interval_seconds,
            first=min(config.scheduler.interval_seconds, 30),
            name="scheduler round",
        )


async def _post_shutdown(app: BuurtApplication) -> None:
    services = services_of(app)
    if services.engine is not None:
        await services.engine.dispose()
        services.engine = None
        services.sessionmaker = None


async def publish_commands(app: BuurtApplication, translator: Translator) -> None:
    """Command menus are cosmetic: failing to set them must never stop the bot."""
    for scope, language, commands in menus(translator):
        try:
            await app.bot.set_my_commands(commands, scope=scope, language_code=language)
        except TelegramError as exc:
            log.warning("could not set the command menu (%s, %s): %s", scope.type, language, exc)


async def _on_error(update: object, context: BuurtContext) -> None:
    """Log the fault, undo the update's changes, and tell the person kindly."""
    if isinstance(context.error, Conflict):
        # Another process polls with this token: running on would only steal its updates.
        context.services.fatal = (
            "another bot process is using this token (Telegram answered 409 Conflict); "
            "stop the other one, or give each bot its own token"
        )
        context.application.stop_running()
        return
    log.error("an update could not be handled", exc_info=context.error)
    if context.scope is not None:
        context.scope.failed = True
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    _ = context.gettext()
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            _("Sorry, something went wrong on my side. Please try again in a moment."),
            parse_mode=ParseMode.HTML,
        )
    except TelegramError:
        log.warning("could not tell chat %s about an error", update.effective_chat.id)
