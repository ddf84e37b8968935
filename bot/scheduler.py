"""The periodic round: nudge quiet groups, remind about requests, expire, forget.

Decisions are made by plain functions in models/ (a session and a time in,
what to say out); this module only runs them in their own transactions and
sends the result. Sending goes through the rate limiter, a few at a time, so
a round of a thousand nudges keeps to Telegram's limits without holding up
the residents' updates.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot

from bot.context import BuurtContext, Services
from bot.outbox import Outgoing, deliver_one
from bot.processor import unit_of_work
from handlers.nudges import (
    digest_message,
    due_reminder,
    expired_notice,
    nudge_message,
    owner_message,
    unclaimed_reminder,
)
from models import activity, groups, nudges, upkeep
from models.base import utcnow

log = logging.getLogger(__name__)

#: Nudges in flight at once. The rate limiter does the pacing; a short queue in
#: front of it lets residents' replies through without waiting behind the round.
SEND_CONCURRENCY = 4


@dataclass
class Report:
    decided: int = 0
    sent: int = 0
    failed: int = 0
    reminders: int = 0
    expired: int = 0
    purged: int = 0


async def _send_nudge(services: Services, bot: Bot, nudge: nudges.Outgoing, report: Report) -> None:
    _ = services.translator.get(nudge.language)
    text, markup = nudge_message(_, nudge)
    message_id = await deliver_one(bot, Outgoing(nudge.chat_id, text, markup))
    if message_id is not None and nudge.step >= nudges.OWNER_STEP and nudge.owner_reachable:
        owner_ = services.translator.choose(nudge.owner_language)
        await deliver_one(bot, Outgoing(nudge.owner_id, owner_message(owner_, nudge)))
    assert services.sessionmaker is not None
    async with services.sessionmaker() as session:
        if message_id is None:
            await nudges.not_sent(session, nudge.nudge_id)
            report.failed += 1
        else:
            await nudges.sent(session, nudge.nudge_id, message_id, utcnow())
            report.sent += 1
        await session.commit()


async def run_round(services: Services, bot: Bot, now: datetime | None = None) -> Report:
    """One whole round; safe to run in several processes at once on PostgreSQL."""
    now = now or utcnow()
    report = Report()
    async with unit_of_work(services, bot) as scope:
        report.decided = await nudges.decide(scope.session, now)
    async with unit_of_work(services, bot) as scope:
        taken = await nudges.claim(scope.session, now)
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def send(nudge: nudges.Outgoing) -> None:
        async with gate:
            await _send_nudge(services, bot, nudge, report)

    await asyncio.gather(*(send(nudge) for nudge in taken))

    translator = services.translator
    async with unit_of_work(services, bot) as scope:
        for reminder in await upkeep.unclaimed_asks(scope.session, now):
            scope.outbox.send(
                reminder.chat_id,
                unclaimed_reminder(translator.get(reminder.language), reminder.request),
                reply_to=reminder.request.card_message_id,
            )
            report.reminders += 1
        for digest in await upkeep.weekly_digests(scope.session, now):
            scope.outbox.send(
                digest.chat_id, digest_message(translator.get(digest.language), digest.requests)
            )
            report.reminders += 1
        for due in await upkeep.due_soon(scope.session, now):
            _ = translator.choose(due.language)
            scope.outbox.send(due.claimer_id, due_reminder(_, due.request, due.today))
            report.reminders += 1
        for expired in await upkeep.expire_pending(scope.session, now):
            _ = translator.choose(expired.language)
            scope.outbox.send(expired.owner_id, expired_notice(_, expired.title))
            report.expired += 1
        for chat_id, user_id in await groups.unanswered(scope.session, now):
            scope.outbox.then(
                lambda bot, c=chat_id, u=user_id: bot.decline_chat_join_request(c, u),  # type: ignore[misc]
                "decline an unanswered join request",
            )
        report.purged = await upkeep.purge(
            scope.session, now, services.config.scheduler.retention_days
        )
        await activity.forget_old(scope.session, now)
    if report.decided or report.sent or report.failed or report.reminders or report.expired:
        log.info("scheduler round: %s", report)
    return report


async def job(context: BuurtContext) -> None:
    """The JobQueue's entry point."""
    await run_round(context.services, context.bot)
