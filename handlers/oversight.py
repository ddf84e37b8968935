"""Commands for facilitators and coordinators: see where support is needed, act with care.

Facilitators act across all neighbourhoods, coordinators within their own.
Replies hold aggregates only: counts, days, titles; never what anyone wrote.
Whoever may not use a command is told exactly what an unknown command gets
(see handlers/commands.py), so nothing reveals what exists.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler

from bot.choices import FacilitatorEnd, FacilitatorKeep, Offer, offered
from bot.context import BuurtApplication, BuurtContext
from handlers import dissolve
from handlers.audit import actions_text
from handlers.buttons import chosen, no_longer_works, pattern
from handlers.commands import command_handler, words_of
from handlers.dissolve import summary_text
from handlers.figures import concerns_text, facts_text, overview_text
from handlers.numbers import parse_number, parse_row_id
from handlers.receipts import queue_nudge
from handlers.request_parsing import clean
from models import audit, groups, nudges, oversight
from models.entities import Group, GroupStatus, Neighbourhood

AUDIT_DEFAULT, AUDIT_MAX = 10, 50


async def scope(context: BuurtContext, user_id: int) -> list[int] | None:
    """The neighbourhoods someone may look after: None means all (a facilitator)."""
    if context.config.is_facilitator(user_id):
        return None
    return [n.id for n in await oversight.coordinated(context.session, user_id)]


def _number(word: str | None) -> int | None:
    """A group's number as typed, with or without its '#'."""
    return parse_row_id((word or "").lstrip("#"))


async def overview(update: Update, context: BuurtContext) -> None:
    user = update.effective_user
    if user is None:
        return
    lines = await oversight.overview(context.session, context.now, await scope(context, user.id))
    context.reply(update, overview_text(context.gettext(), lines))


async def quiet(update: Update, context: BuurtContext) -> None:
    user = update.effective_user
    if user is None:
        return
    found = await oversight.concerns(context.session, context.now, await scope(context, user.id))
    context.reply(update, concerns_text(context.gettext(), found))


async def group_facts(update: Update, context: BuurtContext) -> None:
    _ = context.gettext()
    words = words_of(update)
    number = _number(words[0] if words else None)
    if number is None:
        context.reply(update, _("Please give a group number, for example: /group 12"))
        return
    facts = await oversight.facts(context.session, number, context.now)
    if facts is None:
        context.reply(update, _("There is no group #{number}.", number=words[0].lstrip("#")))
        return
    timezone = facts.home.timezone if facts.home else context.config.defaults.timezone
    context.reply(update, facts_text(_, facts, context.now, timezone))


async def _group_in_scope(context: BuurtContext, user_id: int, word: str | None) -> Group | None:
    number = _number(word)
    group = await context.session.get(Group, number) if number is not None else None
    ids = await scope(context, user_id)
    if group is None or group.status != GroupStatus.ACTIVE:
        return None
    if ids is not None and group.neighbourhood_id not in ids:
        return None  # not theirs: indistinguishable from a group that does not exist
    return group


async def nudge_now(update: Update, context: BuurtContext) -> None:
    user = update.effective_user
    if user is None:
        return
    _ = context.gettext()
    words = words_of(update)
    group = await _group_in_scope(context, user.id, words[0] if words else None)
    if group is None or group.chat_id is None:
        context.reply(
            update, _("Please give the number of an active group, for example: /nudge 12")
        )
        return
    if await nudges.on_its_way(context.session, group):
        context.reply(
            update, _("A nudge to <b>{title}</b> is already on its way.", title=group.title)
        )
        return
    now = context.now
    outgoing = await nudges.nudge_now(context.session, group, now)
    await oversight.audit(
        context.session,
        actor_id=user.id,
        action="nudge",
        target=f"group {group.id}",
        neighbourhood_id=group.neighbourhood_id,
        now=now,
    )
    # Its receipt tells the owner too, once it is out, as for a round's nudge.
    queue_nudge(context.outbox, context.services.translator, outgoing, by_round=False)
    context.reply(
        update, _("I asked <b>{title}</b> whether it is still useful.", title=group.title)
    )


async def dissolve_by_facilitator(update: Update, context: BuurtContext) -> None:
    """/dissolve <group number> <reason>, from a DM: asks for confirmation first."""
    user = update.effective_user
    if user is None:
        return
    _ = context.gettext()  # only facilitators get here: see the command table
    words = words_of(update)
    group = await _group_in_scope(context, user.id, words[0] if words else None)
    reason = clean(" ".join(words[1:])[:255])  # as kept; all of it may not fit a message
    if group is None or not reason:
        context.reply(
            update,
            _(
                "Please give a group number and a reason, for example:\n"
                "/dissolve 12 its purpose is done"
            ),
        )
        return
    group.dissolve_reason = reason  # kept for the confirmation
    context.reply(
        update,
        _(
            "End <b>{title}</b> (#{number})? The group will be told that a facilitator ended "
            "it, and why: “{reason}”",
            title=group.title,
            number=group.id,
            reason=reason,
        ),
        choices=offered(
            [
                Offer(_("Yes, end it"), FacilitatorEnd(group.id)),
                Offer(_("No"), FacilitatorKeep(group.id)),
            ]
        ),
    )


async def facilitator_pressed(update: Update, context: BuurtContext) -> None:
    found = chosen(update, FacilitatorEnd, FacilitatorKeep)
    user = update.effective_user
    _ = context.gettext()
    if found is None or user is None:
        no_longer_works(update, context)
        return
    query, choice = found
    if not context.config.is_facilitator(user.id):
        no_longer_works(update, context)
        return
    group = await _group_in_scope(context, user.id, str(choice.group))
    message = query.message
    if group is None or group.chat_id is None or message is None:
        context.answer(update, _("This group has already ended."))
        return
    if isinstance(choice, FacilitatorKeep):
        group.dissolve_reason = None
        context.answer(update)
        context.outbox.edit(message.chat.id, message.message_id, _("Good, the group goes on."))
        return
    reason, chat_id = group.dissolve_reason or "", group.chat_id
    try:
        summary = await groups.dissolve(
            context.session, group, by=user.id, reason=reason, now=context.now
        )
    except groups.GroupError:
        context.answer(update, _("This group has already ended."))
        return
    links = await groups.revoke_invite_links(context.session, group, now=context.now)
    await oversight.audit(
        context.session,
        actor_id=user.id,
        action="dissolve",
        target=f"group {group.id}",
        neighbourhood_id=group.neighbourhood_id,
        detail=reason,
        now=context.now,
    )
    context.answer(update, _("Ended."))
    context.outbox.edit(
        message.chat.id,
        message.message_id,
        _("The group <b>{title}</b> has ended.", title=group.title),
    )
    home = await context.session.get(Neighbourhood, group.neighbourhood_id)
    _ = context.services.translator.get(home.language if home else context.config.defaults.language)
    context.outbox.send(
        chat_id,
        _("A facilitator has ended this group: “{reason}”", reason=reason)
        + "\n"
        + summary_text(_, summary, dissolve.zone_of(context, home)),
    )
    dissolve.farewell(context, _, chat_id, summary, links)


async def audit_log(update: Update, context: BuurtContext) -> None:
    user = update.effective_user
    if user is None:
        return
    _ = context.gettext()
    words = words_of(update)
    wanted = parse_number((words[0] if words else "").lstrip("#")) or AUDIT_DEFAULT
    found = await audit.actions(
        context.session, min(wanted, AUDIT_MAX), await scope(context, user.id)
    )
    if not found:
        context.reply(update, _("No actions yet."))
        return
    context.reply(update, actions_text(_, found, context.now, context.config.defaults.timezone))


async def dissolve_anywhere(update: Update, context: BuurtContext) -> None:
    """In a group: the owner's /dissolve. In a DM: a facilitator's, with a group and reason."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await dissolve_by_facilitator(update, context)
    else:
        await dissolve.dissolve_command(update, context)


def register(app: BuurtApplication) -> None:
    app.add_handler(command_handler("dissolve", dissolve_anywhere))
    app.add_handler(command_handler("overview", overview))
    app.add_handler(command_handler("quiet", quiet))
    app.add_handler(command_handler("group", group_facts))
    app.add_handler(command_handler("nudge", nudge_now))
    app.add_handler(command_handler("audit", audit_log))
    app.add_handler(
        CallbackQueryHandler(facilitator_pressed, pattern=pattern(FacilitatorEnd, FacilitatorKeep))
    )
