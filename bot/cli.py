"""The `buurtbot` command: run the bot, check a deployment, migrate the database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot
from telegram.error import BadRequest, InvalidToken, TelegramError

from bot.clock import SystemClock
from bot.config import Config, ConfigError, load_config
from bot.sole import SoleWorker
from models import database, inbox
from transports.telegram.app import running, services_of

log = logging.getLogger("buurtbot")


def _parser() -> argparse.ArgumentParser:
    # Before or after the subcommand: a subcommand's own default must not undo the first.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS,
        help="config file (default: $BUURTBOT_CONFIG, else ./config.toml)",
    )
    parser = argparse.ArgumentParser(prog="buurtbot", description=__doc__, parents=[common])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", parents=[common], help="run the bot")
    commands.add_parser("check", parents=[common], help="check config, database and token")
    db = commands.add_parser("db", parents=[common], help="database migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", parents=[common], help="apply all migrations")
    down = db_commands.add_parser("downgrade", parents=[common], help="undo migrations")
    down.add_argument("revision", help="target revision, e.g. -1 or base")
    db_commands.add_parser("current", parents=[common], help="show the schema revision")
    box = commands.add_parser("inbox", parents=[common], help="updates that failed to be handled")
    box_commands = box.add_subparsers(dest="inbox_command")
    box_commands.add_parser("list", parents=[common], help="list parked updates (the default)")
    for verb, what in (("retry", "handle them again"), ("drop", "give up on them")):
        verb_parser = box_commands.add_parser(verb, parents=[common], help=what)
        verb_parser.add_argument("update_ids", nargs="*", type=int, metavar="UPDATE_ID")
        verb_parser.add_argument("--all", action="store_true", help="every parked update")
    return parser


class Redact(logging.Filter):
    """Blanks secrets out of every record: PTB logs its API URL, token included, at DEBUG."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            record.msg, record.args = self._clean(message), None
        if record.exc_info and not record.exc_text:  # error messages may quote the API URL
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
        return True


def _configure_logging(config: Config) -> None:
    logging.basicConfig(
        level=config.logging.level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    webhook_secret = config.telegram_settings().webhook.secret_token
    redact = Redact(
        config.telegram_settings().token.get_secret_value(),
        webhook_secret.get_secret_value() if webhook_secret else "",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    # httpx logs every request URL at INFO, and that URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


class Fatal(Exception):
    """The bot cannot run; the message says why, for the operator."""


def run(config: Config) -> None:
    try:
        fatal = asyncio.run(_serve(config))
    except InvalidToken:
        raise Fatal(
            "Telegram rejected the token: check telegram.token or BUURTBOT_TELEGRAM_TOKEN"
        ) from None
    except BadRequest as exc:
        raise Fatal(f"Telegram refused the bot's settings: {exc.message}") from None
    except (OSError, SQLAlchemyError) as exc:
        target = database.describe_url(config.database.url)
        raise Fatal(f"the database {target} cannot be reached: {exc.__class__.__name__}") from None
    if fatal:
        raise Fatal(fatal)


async def _serve(config: Config) -> str | None:
    """Run until SIGINT or SIGTERM, or until the bot cannot go on; then say why, if so.

    Only while this process is the database's one worker: a second one waits, and a
    worker that loses its lock stops handling and waits to take over again.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    lock = SoleWorker(config.database.url)
    patient = False  # at start, a database out of reach is the operator's to fix
    try:
        while not stop.is_set():
            if not await _first(lock.acquire(patient=patient), stop):
                log.info("stopping")
                break
            fatal = await _handle(config, stop, lock.lost)
            if not lock.lost.is_set():
                return fatal
            await lock.release()
            patient = True
    finally:
        await lock.release()
    return None


async def _first(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Do the work unless `stop` comes first; says whether the work was done."""
    task = asyncio.create_task(work)
    halt = asyncio.create_task(stop.wait())
    await asyncio.wait([task, halt], return_when=asyncio.FIRST_COMPLETED)
    halt.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False
    task.result()  # raises what the work raised
    return True


async def _handle(config: Config, stop: asyncio.Event, lost: asyncio.Event) -> str | None:
    telegram = config.telegram_settings()
    log.info("starting in %s mode against %s", telegram.mode, urlsplit(telegram.base_url).netloc)
    async with running(config) as app:
        services = services_of(app)
        assert services.intake is not None
        waits = [
            asyncio.create_task(stop.wait()),
            asyncio.create_task(lost.wait()),
            asyncio.create_task(services.intake.stopped.wait()),
        ]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
        if lost.is_set():
            log.warning("lost the database lock (another worker may take it): stopping handling")
        elif stop.is_set():
            log.info("stopping")
    return services.fatal


async def _check_database(url: str) -> bool:
    missing = database.missing_file(url)
    if missing is not None:  # a check must not leave an empty database behind
        print(f"FAIL  database file {missing} does not exist: run `buurtbot db upgrade`")
        return False
    engine = database.create_engine(url)
    try:
        current, head = await database.current_revision(engine), database.head_revision()
    except Exception as exc:  # any driver error means the same thing to the reader
        print(f"FAIL  database cannot be reached: {exc.__class__.__name__}: {exc}")
        return False
    finally:
        await engine.dispose()
    if current != head:
        print(f"FAIL  database schema is at {current}, expected {head}: run `buurtbot db upgrade`")
        return False
    print(f"ok    database schema is current ({current})")
    return True


async def check(config: Config) -> bool:
    """A short report for whoever deploys: is everything this bot needs within reach?"""
    print(f"ok    config (database {database.describe_url(config.database.url)})")
    ok = await _check_database(config.database.url)
    token = config.telegram_settings().token.get_secret_value()
    try:
        async with Bot(token, base_url=config.telegram_settings().base_url) as bot:
            me = await bot.get_me()
    except InvalidToken:
        print("FAIL  Telegram rejected the token: check telegram.token or BUURTBOT_TELEGRAM_TOKEN")
        ok = False
    except TelegramError as exc:
        print(f"FAIL  Telegram cannot be reached: {str(exc).replace(token, '<token>')}")
        ok = False
    else:
        print(f"ok    Telegram knows this bot as @{me.username}")
    return ok


async def inbox_command(config: Config, verb: str, update_ids: list[int], every: bool) -> int:
    """Parked updates: list them, or let the running bot try them again, or give up on them."""
    if verb != "list" and not update_ids and not every:
        print(f"buurtbot inbox {verb}: name update ids, or --all", file=sys.stderr)
        return 2
    engine = database.create_engine(config.database.url)
    try:
        async with database.sessionmaker(engine)() as session:
            if verb == "list":
                rows = await inbox.parked(session)
                for row in rows:
                    print(
                        f"{row.update_id}  chat {row.chat_id}  {row.attempts} tries  "
                        f"{row.error}  received {row.received_at:%Y-%m-%d %H:%M} UTC"
                    )
                print(f"{len(rows)} parked update(s)")
                return 0
            ids = None if every else update_ids
            if verb == "retry":
                done = await inbox.retry(session, ids)
            else:
                done = await inbox.drop(session, ids, now=SystemClock().now())
            await session.commit()
    finally:
        await engine.dispose()
    past = (
        "queued again (the running bot takes them within a minute)"
        if verb == "retry"
        else "dropped"
    )
    print(f"{done} update(s) {past}")
    return 0


async def migrate(config: Config, action: str, revision: str | None) -> None:
    engine = database.create_engine(config.database.url)
    try:
        if action == "upgrade":
            await database.upgrade(engine)
        elif action == "downgrade":
            assert revision is not None
            await database.downgrade(engine, revision)
        print(f"database schema is at {await database.current_revision(engine)}")
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    # PTB 22 warns on every 429 it parses unless we opt in to its timedelta values.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    args = _parser().parse_args(argv)
    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"buurtbot: config error: {exc}", file=sys.stderr)
        return 2
    _configure_logging(config)
    if args.command == "run":
        try:
            run(config)
        except Fatal as exc:
            log.error("stopped: %s", exc)
            print(f"buurtbot: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "inbox":
        verb = args.inbox_command or "list"
        ids, every = getattr(args, "update_ids", []), getattr(args, "all", False)
        return asyncio.run(inbox_command(config, verb, ids, every))
    if args.command == "check":
        return 0 if asyncio.run(check(config)) else 1
    asyncio.run(migrate(config, args.db_command, getattr(args, "revision", None)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
