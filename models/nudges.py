"""Nudging quiet groups, exactly once per quiet spell and step.

A round has two steps, each its own transaction:
1. `decide` records a Nudge row for every due group, in the same transaction
   that moves the group's next due time on: a crash either keeps both or
   neither. A unique (group, due_at) makes a second decision impossible.
2. `claim` marks recorded nudges as being sent by this scheduler. On
   PostgreSQL both steps lock rows with FOR UPDATE SKIP LOCKED, so two bot
   processes never take the same group or nudge; SQLite's BEGIN IMMEDIATE
   serialises them anyway.
The round queues each claimed nudge in the outbox, in the claim's transaction,
to be sent at most once: a try whose outcome is unknown counts as sent, and is
never made again. So a claimed nudge has its outbox row until it is settled;
only one claimed by an older version, which sent directly, and never marked sent
(the process died while sending) is claimed again after CLAIM_TIMEOUT.

A nudge asked for with /nudge goes out through the outbox too, which retries it
for as long as it takes. It is QUEUED, a status no round claims, so each nudge
has one way out: one record, one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.activity import days_since, next_nudge
from models.entities import (
    Group,
    GroupStatus,
    Neighbourhood,
    Nudge,
    NudgeStatus,
    OutboxMessage,
    User,
)

CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 5
SNOOZE = timedelta(days=30)
OWNER_STEP = 2  # the second ignored nudge also goes to the owner
ATTENTION_STEP = 3  # the third puts the group on the facilitators' list
BATCH = 1000
#: How an outbox row that carries a nudge names it (its receipt's stored name).
RECEIPT = "nudge"


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(neighbourhood: Neighbourhood, now: datetime) -> bool:
    """Quiet hours are local times, and may run across midnight (21:00–09:00)."""
    local = now.astimezone(ZoneInfo(neighbourhood.timezone)).time()
    start, end = _clock(neighbourhood.quiet_start), _clock(neighbourhood.quiet_end)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


async def _homes(session: AsyncSession, ids: set[int | None]) -> dict[int, Neighbourhood]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    result = await session.scalars(select(Neighbourhood).where(Neighbourhood.id.in_(wanted)))
    return {n.id: n for n in result}


#: Where deciding went on from: the last group looked at, by due time and id.
Key = tuple[datetime, int]


async def decide(session: AsyncSession, now: datetime) -> int:
    """Record the nudges that are due now; quiet hours wait. Returns how many."""
    decided, _ = await decide_some(session, now, BATCH)
    return decided


async def decide_some(
    session: AsyncSession, now: datetime, limit: int, after: Key | None = None
) -> tuple[int, Key | None]:
    """decide() for `limit` groups due after `after`: a round decides in short transactions.

    Returns how many nudges it recorded, and where to go on (None: no more groups due).
    Groups in quiet hours stay due and are passed over, so they never hold up the rest.
    """
    query = select(Group).where(Group.status == GroupStatus.ACTIVE, Group.nudge_due_at <= now)
    if after is not None:  # compared column by column, so each value gets its column's type
        due_at, group_id = after
        query = query.where(
            (Group.nudge_due_at > due_at) | ((Group.nudge_due_at == due_at) & (Group.id > group_id))
        )
    due = list(
        await session.scalars(
            query.order_by(Group.nudge_due_at, Group.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    last = due[-1] if len(due) == limit else None
    following = (last.nudge_due_at, last.id) if last and last.nudge_due_at else None
    homes = await _homes(session, {g.neighbourhood_id for g in due})
    decided: list[dict[str, object]] = []
    for group in due:
        home = homes.get(group.neighbourhood_id or -1)
        if home is None or in_quiet_hours(home, now):
            continue
        assert group.nudge_due_at is not None
        quiet_since = group.last_activity_at or group.linked_at or group.created_at
        step = min(group.ignored_nudges + 1, ATTENTION_STEP)
        decided.append(
            {
                "group_id": group.id,
                "due_at": group.nudge_due_at,
                "quiet_days": days_since(quiet_since, now, home.timezone),
                "step": step,
                "decided_at": now,
            }
        )
        group.ignored_nudges += 1
        if step >= ATTENTION_STEP:
            group.needs_attention = True
        group.snoozed_until = None
        group.nudge_due_at = next_nudge(group, home.nudge_after_days, now)
    if decided:  # in one statement: a round of a thousand is not a thousand inserts
        await session.execute(insert(Nudge), decided)
    await session.flush()
    return len(decided), following


@dataclass(frozen=True)
class Outgoing:
    """A nudge to send: everything the job needs, nothing it must look up."""

    nudge_id: int
    chat_id: int
    title: str
    quiet_days: int
    step: int
    language: str
    owner_id: int
    owner_language: str | None
    owner_reachable: bool


#: The nudge is in the outbox: the courier settles it, no round may take it again.
_in_outbox = (
    exists()
    .where(OutboxMessage.remember == RECEIPT, OutboxMessage.remember_id == Nudge.id)
    .correlate(Nudge)
)


async def claim(session: AsyncSession, now: datetime) -> list[Outgoing]:
    """Take the recorded nudges that may go out now, for this scheduler alone.

    A round claims after each batch it decides; a nudge it already tried (refused,
    and due again) waits for the next round, as not_sent() promises.
    """
    rows = list(
        await session.scalars(
            select(Nudge)
            .where(
                (
                    (Nudge.status == NudgeStatus.DUE)
                    & (Nudge.claimed_at.is_(None) | (Nudge.claimed_at < now))
                )
                | (
                    (Nudge.status == NudgeStatus.SENDING)
                    & (Nudge.claimed_at < now - CLAIM_TIMEOUT)
                    & ~_in_outbox
                )
            )
            .order_by(Nudge.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    groups = {
        g.id: g
        for g in await session.scalars(
            select(Group).where(Group.id.in_({r.group_id for r in rows}))
        )
    }
    homes = await _homes(session, {g.neighbourhood_id for g in groups.values()})
    owners = {
        u.id: u
        for u in await session.scalars(
            select(User).where(User.id.in_({g.owner_id for g in groups.values()}))
        )
    }
    taken: list[Outgoing] = []
    for nudge in rows:
        group = groups[nudge.group_id]
        home = homes.get(group.neighbourhood_id or -1)
        if group.status != GroupStatus.ACTIVE or group.chat_id is None or home is None:
            nudge.status = NudgeStatus.FAILED  # the group ended meanwhile: nothing to say
            continue
        if in_quiet_hours(home, now):
            continue
        nudge.status = NudgeStatus.SENDING
        nudge.claimed_at = now
        nudge.attempts += 1
        taken.append(_outgoing(nudge, group, home, owners.get(group.owner_id)))
    return taken


def _outgoing(nudge: Nudge, group: Group, home: Neighbourhood, owner: User | None) -> Outgoing:
    """What is said about a nudge, to its group and perhaps to its owner."""
    assert group.chat_id is not None
    return Outgoing(
        nudge_id=nudge.id,
        chat_id=group.chat_id,
        title=group.title,
        quiet_days=nudge.quiet_days,
        step=nudge.step,
        language=home.language,
        owner_id=group.owner_id,
        owner_language=owner.language_code if owner else None,
        owner_reachable=bool(owner and owner.started_at),
    )


#: Nudges on their way, by a round or through the outbox.
_UNDER_WAY = (NudgeStatus.SENDING, NudgeStatus.QUEUED)


async def sent(session: AsyncSession, nudge_id: int, message_id: int | None, now: datetime) -> bool:
    """Sent (or perhaps sent: a round never retries a timeout, so nothing is said twice).

    False if it was not on its way any more (another scheduler took it over)."""
    result = await session.execute(
        update(Nudge)
        .where(Nudge.id == nudge_id, Nudge.status.in_(_UNDER_WAY))
        .values(status=NudgeStatus.SENT, sent_at=now, message_id=message_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def owner_notice(session: AsyncSession, nudge_id: int) -> Outgoing | None:
    """The nudge as its group's owner is told of it, once it is out: from the second
    ignored nudge on, when the owner can be reached by DM and the group is still there."""
    nudge = await session.get(Nudge, nudge_id)
    if nudge is None or nudge.step < OWNER_STEP:
        return None
    group = await session.get(Group, nudge.group_id)
    if group is None or group.chat_id is None:
        return None
    home = await session.get(Neighbourhood, group.neighbourhood_id)
    owner = await session.get(User, group.owner_id)
    if home is None or owner is None or owner.started_at is None:
        return None
    return _outgoing(nudge, group, home, owner)


async def tally(session: AsyncSession, nudge_ids: list[int]) -> tuple[int, int]:
    """Of these nudges, how many are sent, and how many were refused (due again, or failed);
    one still on its way counts in neither."""
    sent_, failed = 0, 0
    for start in range(0, len(nudge_ids), BATCH):
        counted = await session.execute(
            select(Nudge.status, func.count())
            .where(Nudge.id.in_(nudge_ids[start : start + BATCH]))
            .group_by(Nudge.status)
        )
        for status, count in counted.all():
            if status == NudgeStatus.SENT:
                sent_ += count
            elif status in (NudgeStatus.DUE, NudgeStatus.FAILED):
                failed += count
    return sent_, failed


async def not_sent(session: AsyncSession, nudge_id: int) -> None:
    """Telegram refused it: a round's nudge is tried again next round, unless it has failed
    too often; the outbox's is given up, since no round may send it instead."""
    nudge = await session.get(Nudge, nudge_id, with_for_update=True)
    if nudge is None or nudge.status not in _UNDER_WAY:
        return  # another scheduler took it over meanwhile
    if nudge.status == NudgeStatus.SENDING and nudge.attempts < MAX_ATTEMPTS:
        nudge.status = NudgeStatus.DUE
        return
    nudge.status = NudgeStatus.FAILED
    group = await session.get(Group, nudge.group_id)
    if group is not None and group.ignored_nudges:  # nobody saw it: it cannot count as ignored
        group.ignored_nudges -= 1


class NudgeError(Exception):
    pass


async def answer(
    session: AsyncSession, nudge_id: int, chat_id: int, action: str, now: datetime
) -> Group:
    """A member answered 'still going' or 'snooze'; both stop the escalation."""
    nudge = await session.get(Nudge, nudge_id)
    group = await session.get(Group, nudge.group_id) if nudge else None
    if nudge is None or group is None or group.chat_id != chat_id:
        raise NudgeError("unknown")
    if group.status != GroupStatus.ACTIVE or nudge.answer is not None:
        raise NudgeError("stale")
    nudge.answer = action
    home = await session.get(Neighbourhood, group.neighbourhood_id)
    group.ignored_nudges = 0
    group.needs_attention = False
    group.last_activity_at = now
    if action == "snooze":
        group.snoozed_until = now + SNOOZE
    group.nudge_due_at = next_nudge(group, home.nudge_after_days if home else 14, now)
    return group


async def attention_list(session: AsyncSession) -> list[Group]:
    """Groups whose nudges went unanswered three times: for the facilitators."""
    result = await session.scalars(
        select(Group)
        .where(Group.status == GroupStatus.ACTIVE, Group.needs_attention)
        .order_by(Group.id)
    )
    return list(result)


async def nudge_now(session: AsyncSession, group: Group, now: datetime) -> Outgoing:
    """A nudge asked for by a facilitator or coordinator: recorded and counted like any,
    and sent through the outbox alone (see the module docstring)."""
    home = await session.get(Neighbourhood, group.neighbourhood_id)
    owner = await session.get(User, group.owner_id)
    assert home is not None and group.chat_id is not None
    quiet_since = group.last_activity_at or group.linked_at or group.created_at
    step = min(group.ignored_nudges + 1, ATTENTION_STEP)
    nudge = Nudge(
        group_id=group.id,
        due_at=now,
        quiet_days=days_since(quiet_since, now, home.timezone),
        step=step,
        status=NudgeStatus.QUEUED,
        attempts=1,
        decided_at=now,
        claimed_at=now,
    )
    session.add(nudge)
    group.ignored_nudges += 1
    if step >= ATTENTION_STEP:
        group.needs_attention = True
    group.nudge_due_at = next_nudge(group, home.nudge_after_days, now)
    await session.flush()
    return _outgoing(nudge, group, home, owner)


async def reschedule(session: AsyncSession, home: Neighbourhood) -> None:
    """nudge_after_days changed: each group is next due that long after its last activity
    or its last nudge, whichever came later, so no group is nudged again at once."""
    last_nudges = dict(
        (
            await session.execute(
                select(Nudge.group_id, func.max(Nudge.decided_at))
                .join(Group, Group.id == Nudge.group_id)
                .where(Group.neighbourhood_id == home.id)
                .group_by(Nudge.group_id)
            )
        ).all()
    )
    for group in await session.scalars(
        select(Group).where(Group.neighbourhood_id == home.id, Group.status == GroupStatus.ACTIVE)
    ):
        quiet_since = group.last_activity_at or group.linked_at or group.created_at
        last_nudge = last_nudges.get(group.id)
        since = max(quiet_since, last_nudge) if last_nudge else quiet_since
        group.nudge_due_at = next_nudge(group, home.nudge_after_days, since)


async def on_its_way(session: AsyncSession, group: Group) -> bool:
    """A nudge for this group is decided but not yet sent."""
    found = await session.scalar(
        select(Nudge.id).where(
            Nudge.group_id == group.id,
            Nudge.status.in_((NudgeStatus.DUE, *_UNDER_WAY)),
        )
    )
    return found is not None
