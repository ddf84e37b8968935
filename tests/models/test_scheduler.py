"""The scheduler's decisions with a controlled clock: nudges, quiet hours, reminders, purge."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from models import (
    ActivityDay,
    Group,
    GroupMember,
    GroupStatus,
    Neighbourhood,
    Nudge,
    NudgeStatus,
    RequestKind,
    RequestState,
    database,
    groups,
    neighbourhoods,
    nudges,
    requests,
    upkeep,
)
from models.activity import record
from models.people import Person, mark_started, record_presence
from tests.conftest import utcnow

# Noon in Amsterdam on a summer Wednesday.
T0 = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
OWNER = Person(1, "Anna", language_code="nl")


async def _home(session: AsyncSession) -> Neighbourhood:
    registration = await neighbourhoods.register(
        session,
        chat_id=-1,
        title="Kerklaan",
        created_by=1,
        language="nl",
        timezone="Europe/Amsterdam",
        now=utcnow(),
    )
    await record_presence(session, registration.neighbourhood, OWNER, now=utcnow())
    await mark_started(session, OWNER, now=utcnow())
    return registration.neighbourhood


async def _group(session: AsyncSession, home: Neighbourhood, chat_id: int, at: datetime) -> Group:
    made = await groups.create(
        session,
        owner_id=OWNER.id,
        title=f"Groep {chat_id}",
        invite_only=False,
        neighbourhood_id=home.id,
        limit=100,
        now=utcnow(),
    )
    await groups.link(session, made.group, chat_id, OWNER.id, now=utcnow())
    made.group.linked_at = made.group.last_activity_at = at
    made.group.nudge_due_at = at + timedelta(days=home.nudge_after_days)
    await session.flush()
    return made.group


async def test_a_new_nudge_interval_does_not_nudge_again_at_once(session: AsyncSession):
    home = await _home(session)
    group = await _group(session, home, -100, T0 - 60 * DAY)  # quiet for two months
    assert await nudges.decide(session, T0) == 1
    home.nudge_after_days = 7
    await nudges.reschedule(session, home)
    assert group.nudge_due_at == T0 + 7 * DAY  # a week after the last nudge, not at once
    assert await nudges.decide(session, T0 + DAY) == 0


async def test_a_quiet_group_is_nudged_once_per_spell(session: AsyncSession):
    home = await _home(session)
    group = await _group(session, home, -100, T0)
    assert await nudges.decide(session, T0 + 13 * DAY) == 0
    assert await nudges.decide(session, T0 + 14 * DAY) == 1
    assert await nudges.decide(session, T0 + 14 * DAY + timedelta(hours=1)) == 0
    (taken,) = await nudges.claim(session, T0 + 14 * DAY)
    assert (taken.chat_id, taken.quiet_days, taken.step) == (-100, 14, 1)
    assert await nudges.claim(session, T0 + 14 * DAY) == []  # being sent: not again
    await nudges.sent(session, taken.nudge_id, 77, T0 + 14 * DAY)
    assert group.ignored_nudges == 1


async def test_activity_moves_the_nudge_back(session: AsyncSession):
    home = await _home(session)
    group = await _group(session, home, -100, T0)
    await record(session, group, T0 + 10 * DAY)
    assert await nudges.decide(session, T0 + 15 * DAY) == 0
    assert await nudges.decide(session, T0 + 24 * DAY) == 1
    assert group.last_activity_at == T0 + 10 * DAY
    day_count = await session.scalar(select(func.count()).select_from(nudges.Nudge))
    assert day_count == 1


def test_quiet_hours_run_across_midnight_and_follow_dst():
    home = Neighbourhood(timezone="Europe/Amsterdam", quiet_start="21:00", quiet_end="09:00")
    assert nudges.in_quiet_hours(home, datetime(2026, 6, 10, 19, 30, tzinfo=UTC))  # 21:30
    assert nudges.in_quiet_hours(home, datetime(2026, 6, 10, 23, 0, tzinfo=UTC))  # 01:00
    assert not nudges.in_quiet_hours(home, datetime(2026, 6, 10, 7, 0, tzinfo=UTC))  # 09:00
    # 29 March 2026: clocks go from 02:00 to 03:00. 07:30 UTC is 09:30 summer time.
    assert not nudges.in_quiet_hours(home, datetime(2026, 3, 29, 7, 30, tzinfo=UTC))
    assert nudges.in_quiet_hours(home, datetime(2026, 3, 28, 7, 30, tzinfo=UTC))  # 08:30 winter
    daytime = Neighbourhood(timezone="Asia/Tokyo", quiet_start="12:00", quiet_end="13:00")
    assert nudges.in_quiet_hours(daytime, datetime(2026, 6, 10, 3, 30, tzinfo=UTC))  # 12:30


async def test_nudges_due_in_quiet_hours_wait_for_the_morning(session: AsyncSession):
    home = await _home(session)
    evening = datetime(2026, 6, 10, 20, 0, tzinfo=UTC)  # 22:00 in Amsterdam
    await _group(session, home, -100, evening - 14 * DAY)
    assert await nudges.decide(session, evening) == 0
    assert await nudges.decide(session, evening + timedelta(hours=9)) == 0  # 07:00
    assert await nudges.decide(session, evening + timedelta(hours=11, minutes=5)) == 1  # 09:05


async def test_snooze_and_still_going(session: AsyncSession):
    home = await _home(session)
    group = await _group(session, home, -100, T0)
    await nudges.decide(session, T0 + 14 * DAY)
    (taken,) = await nudges.claim(session, T0 + 14 * DAY)
    await nudges.sent(session, taken.nudge_id, 1, T0 + 14 * DAY)
    await nudges.answer(session, taken.nudge_id, -100, "snooze", T0 + 14 * DAY)
    with pytest.raises(nudges.NudgeError):
        await nudges.answer(session, taken.nudge_id, -100, "still going", T0 + 14 * DAY)
    assert await nudges.decide(session, T0 + 40 * DAY) == 0
    assert await nudges.decide(session, T0 + 44 * DAY + timedelta(minutes=1)) == 1
    (again,) = await nudges.claim(session, T0 + 44 * DAY + timedelta(minutes=1))
    with pytest.raises(nudges.NudgeError):  # a press from another chat is forged
        await nudges.answer(session, again.nudge_id, -999, "still going", T0 + 45 * DAY)
    await nudges.answer(session, again.nudge_id, -100, "still going", T0 + 45 * DAY)
    assert group.nudge_due_at == T0 + 59 * DAY and group.ignored_nudges == 0


async def test_ignored_nudges_escalate_to_the_owner_then_the_facilitators(
    session: AsyncSession,
):
    home = await _home(session)
    group = await _group(session, home, -100, T0)
    steps = []
    for spell in (14, 28, 42, 56):
        await nudges.decide(session, T0 + spell * DAY)
        (taken,) = await nudges.claim(session, T0 + spell * DAY)
        await nudges.sent(session, taken.nudge_id, 1, T0 + spell * DAY)
        steps.append((taken.step, taken.owner_reachable))
    assert steps == [(1, True), (2, True), (3, True), (3, True)]
    assert group.needs_attention
    assert [g.id for g in await nudges.attention_list(session)] == [group.id]
    assert group.status == GroupStatus.ACTIVE  # never dissolved by the bot itself
    await record(session, group, T0 + 60 * DAY)
    assert not group.needs_attention and await nudges.attention_list(session) == []


async def test_a_restart_mid_round_sends_nothing_twice(engine: AsyncEngine):
    make = database.sessionmaker(engine)
    async with make() as session:
        home = await _home(session)
        for n in range(3):
            await _group(session, home, -100 - n, T0)
        await session.commit()
    now = T0 + 14 * DAY
    async with make() as session:  # decided, then the process dies before claiming
        assert await nudges.decide(session, now) == 3
        await session.commit()
    async with make() as session:  # after the restart: no second decision
        assert await nudges.decide(session, now + timedelta(minutes=5)) == 0
        taken = await nudges.claim(session, now + timedelta(minutes=5))
        await session.commit()
    assert len(taken) == 3
    async with make() as session:  # one was sent; then the process dies again
        await nudges.sent(session, taken[0].nudge_id, 1, now)
        await session.commit()
    async with make() as session:
        assert await nudges.claim(session, now + timedelta(minutes=6)) == []
        retried = await nudges.claim(session, now + nudges.CLAIM_TIMEOUT + timedelta(minutes=6))
        await session.commit()
    assert sorted(n.nudge_id for n in retried) == sorted(n.nudge_id for n in taken[1:])


async def test_two_schedulers_never_take_the_same_nudge(engine: AsyncEngine):
    make = database.sessionmaker(engine)
    async with make() as session:
        home = await _home(session)
        for n in range(40):
            await _group(session, home, -100 - n, T0)
        await session.commit()
    now = T0 + 14 * DAY

    async def scheduler() -> list[int]:
        async with make() as session:
            await nudges.decide(session, now)
            await session.commit()
        async with make() as session:
            taken = await nudges.claim(session, now)
            await session.commit()
        return [n.nudge_id for n in taken]

    first, second = await asyncio.gather(scheduler(), scheduler())
    assert not set(first) & set(second)
    assert len(first) + len(second) == 40
    async with make() as session:
        assert await session.scalar(select(func.count()).select_from(Nudge)) == 40


async def test_failed_sends_are_retried_then_given_up(session: AsyncSession):
    home = await _home(session)
    await _group(session, home, -100, T0)
    now = T0 + 14 * DAY
    await nudges.decide(session, now)
    for attempt in range(nudges.MAX_ATTEMPTS):
        later = now + attempt * timedelta(minutes=10)  # one round after another
        (taken,) = await nudges.claim(session, later)
        await nudges.not_sent(session, taken.nudge_id)
        if attempt == 0:  # not again in the same round
            assert await nudges.claim(session, later) == []
    assert await nudges.claim(session, now + DAY) == []
    nudge = await session.get(Nudge, taken.nudge_id)
    assert nudge is not None and nudge.status == NudgeStatus.FAILED
    group = await session.get(Group, nudge.group_id)
    assert group is not None and group.ignored_nudges == 0  # nobody saw it: not ignored


async def test_a_nudge_in_the_outbox_is_never_also_sent_by_a_round(session: AsyncSession):
    home = await _home(session)
    group = await _group(session, home, -100, T0)
    now = T0 + 3 * DAY
    asked = await nudges.nudge_now(session, group, now)  # /nudge: the outbox sends it
    assert await nudges.on_its_way(session, group)
    assert await nudges.claim(session, now + nudges.CLAIM_TIMEOUT + DAY) == []  # retried there
    await nudges.not_sent(session, asked.nudge_id)  # the outbox was refused: given up
    assert await nudges.claim(session, now + nudges.CLAIM_TIMEOUT + DAY) == []
    nudge = await session.get(Nudge, asked.nudge_id)
    assert nudge is not None and nudge.status == NudgeStatus.FAILED
    assert group.ignored_nudges == 0  # nobody saw it: not ignored


async def _ask(session: AsyncSession, home: Neighbourhood, at: datetime, due: date | None = None):
    request = await requests.post(
        session,
        requests.Draft(RequestKind.ASK, "boodschappen", due=due),
        asker_id=OWNER.id,
        chat_id=-1,
        neighbourhood_id=home.id,
        group_id=None,
        limit=10,
        now=utcnow(),
    )
    request.created_at = at
    await session.flush()
    return request


async def test_an_unclaimed_ask_is_reminded_once_after_a_day(session: AsyncSession):
    home = await _home(session)
    await _ask(session, home, T0)
    assert await upkeep.unclaimed_asks(session, T0 + timedelta(hours=23)) == []
    night = T0 + timedelta(hours=34)  # 22:00 in Amsterdam: quiet
    assert await upkeep.unclaimed_asks(session, night) == []
    (reminder,) = await upkeep.unclaimed_asks(session, T0 + timedelta(hours=46))
    assert reminder.chat_id == -1 and reminder.language == "nl"
    assert await upkeep.unclaimed_asks(session, T0 + 3 * DAY) == []


async def test_the_helper_is_reminded_the_day_before(session: AsyncSession):
    home = await _home(session)
    helper = Person(2, "Piet")
    await mark_started(session, helper, now=utcnow())
    request = await _ask(session, home, T0, due=date(2026, 6, 12))
    await requests.claim(session, request.id, helper.id, now=utcnow())
    assert await upkeep.due_soon(session, T0) == []  # two days ahead
    (due,) = await upkeep.due_soon(session, T0 + DAY)
    assert due.claimer_id == helper.id and not due.today
    assert await upkeep.due_soon(session, T0 + 2 * DAY) == []  # once only
    assert (await requests.load(session, request.id)).state == RequestState.CLAIMED


async def test_pending_groups_expire_and_their_makers_are_told(session: AsyncSession):
    home = await _home(session)
    made = await groups.create(
        session,
        owner_id=OWNER.id,
        title="Nooit",
        invite_only=False,
        neighbourhood_id=home.id,
        limit=5,
        now=utcnow(),
    )
    assert await upkeep.expire_pending(session, made.group.created_at + DAY) == []
    (expired,) = await upkeep.expire_pending(session, made.group.created_at + 3 * DAY)
    assert expired.title == "Nooit" and made.group.status == GroupStatus.EXPIRED
    assert await groups.living_count(session, OWNER.id, now=utcnow()) == 0


async def test_dissolved_groups_are_purged_after_retention(session: AsyncSession):
    home = await _home(session)
    group = await _group(session, home, -100, T0)
    request = await requests.post(
        session,
        requests.Draft(RequestKind.ASK, "geheim", on_behalf_of="mevrouw X"),
        asker_id=OWNER.id,
        chat_id=-100,
        neighbourhood_id=home.id,
        group_id=group.id,
        limit=10,
        now=utcnow(),
    )
    await groups.dissolve(session, group, by=OWNER.id, reason="klaar", now=utcnow())
    group.dissolved_at = T0
    assert await upkeep.purge(session, T0 + 89 * DAY, retention_days=90) == 0
    assert await upkeep.purge(session, T0 + 91 * DAY, retention_days=90) == 1
    await session.refresh(request)
    assert (request.text, request.on_behalf_of, group.title) == ("", None, "")
    assert await session.scalar(select(func.count()).select_from(GroupMember)) == 0
    # The row stays, for the counts: it ended with its group, open as it was.
    assert request.state == RequestState.CANCELLED and requests.ended_with_its_group(request)
    assert await upkeep.purge(session, T0 + 92 * DAY, retention_days=90) == 0


async def test_a_weekly_digest_lists_what_is_still_open(session: AsyncSession):
    home = await _home(session)
    await _ask(session, home, T0)
    await _ask(session, home, T0 + timedelta(hours=1))
    assert len(await upkeep.unclaimed_asks(session, T0 + 2 * DAY)) == 2
    assert await upkeep.weekly_digests(session, T0 + 5 * DAY) == []
    (digest,) = await upkeep.weekly_digests(session, T0 + 9 * DAY)
    assert (digest.chat_id, len(digest.requests)) == (-1, 2)
    assert await upkeep.weekly_digests(session, T0 + 10 * DAY) == []
    assert len(await upkeep.weekly_digests(session, T0 + 16 * DAY + timedelta(hours=1))) == 1
    for request in digest.requests:
        await requests.cancel(session, request.id, OWNER.id, now=utcnow())
    assert await upkeep.weekly_digests(session, T0 + 30 * DAY) == []  # nothing open: silence


async def test_activity_times_are_kept_to_the_minute(session: AsyncSession):
    """A busy chat is not written on every message; counts still see every one."""
    home = await _home(session)
    group = await _group(session, home, -100, T0)
    await record(session, group, T0 + DAY)
    await record(session, group, T0 + DAY + timedelta(seconds=30))
    assert group.last_activity_at == T0 + DAY
    assert group.nudge_due_at == T0 + 15 * DAY
    group.ignored_nudges = 1  # a nudge went unanswered: the next message must undo that
    await record(session, group, T0 + DAY + timedelta(seconds=40))
    assert (group.ignored_nudges, group.last_activity_at) == (0, T0 + DAY + timedelta(seconds=40))
    await record(session, home, T0 + DAY)
    await record(session, home, T0 + DAY + timedelta(seconds=59))
    assert home.last_activity_at == T0 + DAY
    await record(session, home, T0 + DAY + timedelta(seconds=61))
    assert home.last_activity_at == T0 + DAY + timedelta(seconds=61)
    counted = await session.scalar(
        select(func.sum(ActivityDay.messages)).where(ActivityDay.chat_id == -100)
    )
    assert counted == 3


async def test_deciding_in_batches_passes_over_groups_in_quiet_hours(session: AsyncSession):
    """A round decides a batch at a time; groups that must wait never hold up the rest."""
    home = await _home(session)  # quiet from 21:00 to 09:00
    awake = await neighbourhoods.register(
        session,
        chat_id=-2,
        title="Dag",
        created_by=1,
        language="nl",
        timezone="Asia/Tokyo",
        now=utcnow(),
    )
    awake.neighbourhood.quiet_start = awake.neighbourhood.quiet_end = "00:00"  # never quiet
    evening = datetime(2026, 6, 10, 20, 0, tzinfo=UTC)  # 22:00 in Amsterdam
    for chat_id in (-100, -101):
        await _group(session, home, chat_id, evening - 15 * DAY)
    later = await _group(session, awake.neighbourhood, -102, evening - 14 * DAY)

    decided, after = await nudges.decide_some(session, evening, 2)
    assert (decided, after is not None) == (0, True)  # both quiet; there may be more
    decided, after = await nudges.decide_some(session, evening, 2, after)
    assert (decided, after) == (1, None)
    assert later.ignored_nudges == 1
    assert await nudges.decide(session, evening) == 0  # the quiet ones still wait
