"""The periodic round: nudge quiet groups, remind about requests, expire, forget.

It also links chats whose wait for a link token is over, when the process that
was to do it stopped meanwhile.

Decisions are made by plain functions in models/ (a session and a time in,
what to say out); this module only runs them in their own transactions, with
what they say queued in the outbox. A round's nudges go out at most once, a few
at a time, in the rate limiter's background lane: a round of a thousand nudges
keeps to Telegram's limits without holding up the residents' updates.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from datetime import datetime

from bot.context import Services, UpdateScope
from bot.processor import unit_of_work
from handlers.candidates import retell
from handlers.figures import concerns_text, overview_text
from handlers.linking import link_waiting_chats
from handlers.nudges import (
    digest_message,
    due_reminder,
    expired_notice,
    unclaimed_reminder,
)
from handlers.receipts import queue_nudge
from handlers.report import chart
from models import activity, inbox, joining, nudges, oversight, upkeep
from models.entities import OutboxMessage
from transports.telegram.pacing import background

log = logging.getLogger(__name__)

#: Nudges in flight at once: enough that one always waits for its turn in the rate
#: limiter while others record what they sent. Residents' replies go before all of
#: them (transports/telegram/pacing.py), so this needs not be small for their sake.
SEND_CONCURRENCY = 4
#: Groups looked at per transaction when deciding a round's nudges.
DECIDE_BATCH = 100


#: The timer's name for the round (bot/timer.py).
ROUND = "scheduler round"


@dataclass
class Report:
    decided: int = 0
    #: The round's nudges as they stand when it ends: sent (perhaps: a try nobody heard
    #: back from counts as sent), and refused. One still waiting in the outbox (after a
    #: 429, or with its chat held back) counts in neither.
    sent: int = 0
    failed: int = 0
    reminders: int = 0
    expired: int = 0
    purged: int = 0
    digests: int = 0
    linked: int = 0


async def run_round(services: Services, now: datetime | None = None) -> Report:
    """One whole round; safe to run in several processes at once on PostgreSQL.

    It happens at `now`, or else at the services' clock's moment when it starts.
    """
    marked = background.set(True)  # all the round sends lets residents' replies go first
    try:
        return await _round(services, now or services.clock.now())
    finally:
        background.reset(marked)


async def _round(services: Services, now: datetime) -> Report:
    report = Report()
    gate = asyncio.Semaphore(SEND_CONCURRENCY)
    courier = services.courier
    translator = services.translator

    async def send(row: OutboxMessage) -> None:
        assert courier is not None
        async with gate:
            await courier.deliver([row])

    # A batch at a time, each in short transactions, and sending as soon as there is
    # something to send: a resident's update never waits long for the database.
    sending: list[asyncio.Task[None]] = []
    queued: list[int] = []
    after: nudges.Key | None = None
    try:
        for _ in range(nudges.BATCH // DECIDE_BATCH):
            async with unit_of_work(services, now) as scope:
                decided, after = await nudges.decide_some(scope.session, now, DECIDE_BATCH, after)
            report.decided += decided
            # Claimed and queued in one transaction: a claimed nudge is in the outbox.
            async with unit_of_work(services, now, deliver=False) as scope:
                for nudge in await nudges.claim(scope.session, now):
                    queue_nudge(scope.outbox, translator, nudge, by_round=True)
                    queued.append(nudge.nudge_id)
            if courier is not None:  # else they wait in the outbox for a courier
                sending += [asyncio.create_task(send(row)) for row in scope.outbox.rows]
            if after is None:
                break
    finally:  # every send is waited for; then the first that failed, if one did, is raised
        sent = await asyncio.gather(*sending, return_exceptions=True)
    for outcome in sent:
        if isinstance(outcome, Exception):
            raise outcome
    if queued:
        async with services.session() as session:
            report.sent, report.failed = await nudges.tally(session, queued)

    async def reminders(scope: UpdateScope) -> None:
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

    async def expiry(scope: UpdateScope) -> None:
        for expired in await upkeep.expire_pending(scope.session, now):
            _ = translator.choose(expired.language)
            scope.outbox.send(expired.owner_id, expired_notice(_, expired.title))
            report.expired += 1
        for request, group in await joining.unanswered(scope.session, now):
            if group.chat_id is not None:
                scope.outbox.decline(group.chat_id, request.user_id)
            await retell(scope, translator, group, request, "lapsed")

    async def forgetting(scope: UpdateScope) -> None:
        retention = services.config.scheduler.retention_days
        report.purged = await upkeep.purge(scope.session, now, retention)
        await activity.forget_old(scope.session, now)
        await inbox.forget_handled(scope.session, now)

    async def reports(scope: UpdateScope) -> None:
        report.digests = await _weekly_reports(services, scope, now)

    # Each chore has its own short transaction: one failing chore does not undo the others,
    # and none holds the database while another works.
    for chore in (reminders, expiry, forgetting, reports):
        try:
            async with unit_of_work(services, now) as scope:
                await chore(scope)
        except Exception:
            log.exception("scheduler chore %s failed; the others went on", chore.__name__)
    try:  # each chat in its own transaction
        report.linked = await link_waiting_chats(services, now)
    except Exception:
        log.exception("linking chats without a token failed; the next round tries again")
    counts = (report.decided, report.sent, report.failed, report.reminders, report.digests)
    if any((*counts, report.linked)):
        log.info("scheduler round: %s", report)
    return report


async def _weekly_reports(services: Services, scope: UpdateScope, now: datetime) -> int:
    """Monday 09:00: /overview and /quiet in one message, and the chart; skipped if unchanged."""
    monday = oversight.digest_monday(now, services.config.defaults.timezone)
    if monday is None:
        return 0
    session, sent = scope.session, 0
    facilitators = services.config.facilitators.user_ids
    for reader in await oversight.digest_readers(session, facilitators):
        if not await oversight.digest_due(session, reader.id, monday):
            continue
        ids = (
            None
            if reader.id in facilitators
            else [n.id for n in await oversight.coordinated(session, reader.id)]
        )
        _ = services.translator.choose(reader.language_code)
        lines = await oversight.overview(session, now, ids)
        concerns = await oversight.concerns(session, now, ids)
        # "Changed" means the facts changed, not that one more quiet day went by.
        facts = [
            (n.neighbourhood.id, n.residents, n.active_groups, n.asked, n.offered, n.done, n.quiet)
            for n in lines
        ] + [(c.kind, c.id, c.reason) for c in concerns]
        if not await oversight.digest_changed(session, reader.id, monday, repr(facts)):
            continue
        text = overview_text(_, lines) + "\n\n" + concerns_text(_, concerns)
        weeks = await oversight.weekly(session, now, ids)
        scope.outbox.send(reader.id, text)
        scope.outbox.picture(reader.id, functools.partial(chart, _, weeks))
        sent += 1
    return sent
