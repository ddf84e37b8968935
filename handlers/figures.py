"""How the facilitators' figures read: /overview, /quiet and /group.

Every number meets its noun in the catalog's plural form, and a day without
quiet is "today", never "0 days".
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Gettext
from bot.text import Markup
from handlers.dates import day_text
from models import oversight
from models.entities import GroupStatus, RequestState


def quiet_text(_: Gettext, days: int | None) -> str:
    if days is None:
        return _("no activity yet")
    if days == 0:
        return _("active today")
    return _.plural("quiet for {n} day", "quiet for {n} days", days)


def overview_text(_: Gettext, lines: list[oversight.Line]) -> str:
    if not lines:
        return _("There are no neighbourhoods yet.")
    text = [_("<b>Neighbourhoods, quietest first</b> (last 30 days)")]
    for line in lines:
        counts = [
            _.plural("{n} resident", "{n} residents", line.residents),
            _.plural("{n} group", "{n} groups", line.active_groups),
            _("{n} asked", n=line.asked),
            _("{n} offered", n=line.offered),
            _("{n} done", n=line.done),
        ]
        text.append(
            _(
                "{flag}<b>{title}</b> (#{number}): {counts}; {quiet}",
                flag=Markup("⚠️ " if line.quiet else ""),
                title=line.neighbourhood.title,
                number=line.neighbourhood.id,
                counts=Markup(", ".join(counts)),
                quiet=quiet_text(_, line.quiet_days),
            )
        )
    return "\n".join(text)


def _concern(_: Gettext, concern: oversight.Concern) -> str:
    what = (
        _("group <b>{title}</b> (#{number})", title=concern.title, number=concern.id)
        if concern.kind == "group"
        else _("neighbourhood <b>{title}</b> (#{number})", title=concern.title, number=concern.id)
    )
    n = concern.number
    if concern.reason == "ignored_nudges":
        why = _.plural("did not answer {n} nudge", "did not answer {n} nudges", n)
    elif concern.reason == "new":
        why = _("no activity yet")
    elif concern.reason == "unclaimed":
        why = _.plural(
            "{n} request unclaimed for more than 3 days",
            "{n} requests unclaimed for more than 3 days",
            n,
        )
    else:
        why = quiet_text(_, n)
    return f"• {what}: {why}"


def concerns_text(_: Gettext, found: list[oversight.Concern]) -> str:
    if not found:
        return _("Nothing needs attention right now.")
    return "\n".join([_("<b>Needs attention</b>")] + [_concern(_, c) for c in found])


def _status(_: Gettext, status: str) -> str:
    return {
        GroupStatus.PENDING: _("waiting for its group chat"),
        GroupStatus.ACTIVE: _("going"),
        GroupStatus.DISSOLVED: _("ended"),
        GroupStatus.EXPIRED: _("never started"),
    }.get(GroupStatus(status), status)


def _state(_: Gettext, state: str) -> str:
    return {
        RequestState.OPEN: _("open"),
        RequestState.CLAIMED: _("taken"),
        RequestState.DONE: _("done"),
        RequestState.CANCELLED: _("cancelled"),
    }.get(RequestState(state), state)


def _last_activity(_: Gettext, days: int | None) -> str:
    if days is None:
        return _("none yet")
    if days == 0:
        return _("today")
    return _.plural("{n} day ago", "{n} days ago", days)


def facts_text(_: Gettext, facts: oversight.Facts, now: datetime, timezone: str) -> str:
    """One group's facts, in the order they are asked about; never what anyone wrote."""
    order = list(RequestState)
    states = ", ".join(
        f"{_state(_, state)}: {count}"
        for state, count in sorted(
            facts.by_state.items(), key=lambda item: order.index(RequestState(item[0]))
        )
    )
    zone = ZoneInfo(timezone)
    started = facts.started.astimezone(zone).date()
    return "\n".join(
        [
            _(
                "<b>{title}</b> (#{number}): {status}",
                title=facts.group.title,
                number=facts.group.id,
                status=_status(_, facts.group.status),
            ),
            _("Started: {date}.", date=day_text(_, started, now.astimezone(zone).date())),
            _("Members: {n}.", n=facts.members),
            _("Requests: {states}.", states=states or _("none yet")),
            _("Last activity: {when}.", when=_last_activity(_, facts.quiet_days)),
            _("Nudges: {n}.", n=facts.nudges),
        ]
    )
