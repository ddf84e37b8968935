"""What the scheduler says: nudges to quiet groups (with their buttons) and reminders.

Any member may say the group is still going or snooze it; ending it goes
through the owner's confirmation, as /dissolve does.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.choices import Choices, DissolveNudged, Offer, Snooze, StillGoing, offered
from bot.context import BuurtApplication, BuurtContext
from bot.i18n import Gettext
from handlers.buttons import chosen, no_longer_works, pattern
from handlers.cards import line
from handlers.dissolve import confirmation
from models import nudges
from models.entities import Group, GroupStatus, Nudge, Request, RequestKind


def nudge_message(_: Gettext, nudge: nudges.Outgoing) -> tuple[str, Choices]:
    text = (
        _("This group was active today. Is it still useful?")
        if nudge.quiet_days == 0  # a nudge asked for with /nudge, on a lively day
        else _.plural(
            "It's been quiet here for {n} day. Is this group still useful?",
            "It's been quiet here for {n} days. Is this group still useful?",
            nudge.quiet_days,
        )
    )
    markup = offered(
        [Offer(_("Still going"), StillGoing(nudge.nudge_id))],
        [Offer(_("Snooze 30 days"), Snooze(nudge.nudge_id))],
        [Offer(_("End the group"), DissolveNudged(nudge.nudge_id))],
    )
    return text, markup


def owner_message(_: Gettext, nudge: nudges.Outgoing) -> str:
    if nudge.quiet_days == 0:
        return _(
            "Your group <b>{title}</b> was active today, but nobody answered my last "
            "question. Is it still useful? If its purpose is done, you can end it with "
            "/dissolve in the group.",
            title=nudge.title,
        )
    return _.plural(
        "Your group <b>{title}</b> has been quiet for {n} day and nobody answered my last "
        "question. Is it still useful? If its purpose is done, you can end it with "
        "/dissolve in the group.",
        "Your group <b>{title}</b> has been quiet for {n} days and nobody answered my last "
        "question. Is it still useful? If its purpose is done, you can end it with "
        "/dissolve in the group.",
        nudge.quiet_days,
        title=nudge.title,
    )


async def pressed(update: Update, context: BuurtContext) -> None:
    found = chosen(update, StillGoing, Snooze, DissolveNudged)
    chat = update.effective_chat
    _ = context.gettext()
    if found is None or chat is None:
        no_longer_works(update, context)
        return
    query, choice = found
    message = query.message
    if isinstance(choice, DissolveNudged):
        nudge = await context.session.get(Nudge, choice.nudge)
        group = await context.session.get(Group, nudge.group_id) if nudge else None
        if group is None or group.chat_id != chat.id or group.status != GroupStatus.ACTIVE:
            no_longer_works(update, context)
            return
        context.answer(update, _("Only the owner of the group can end it."))
        text, markup = confirmation(context.gettext(), group)
        context.outbox.send(chat.id, text, choices=markup)
        return
    answer = "still going" if isinstance(choice, StillGoing) else "snooze"
    try:
        await nudges.answer(context.session, choice.nudge, chat.id, answer, context.now)
    except nudges.NudgeError:
        no_longer_works(update, context)
        return
    if isinstance(choice, StillGoing):
        context.answer(update, _("Good to hear!"))
        reply = _("Good to hear that this group is still going. I'll ask again when it is quiet.")
    else:
        context.answer(update, _("Snoozed."))
        reply = _("Fine, I won't ask again for 30 days.")
    if message is not None:
        context.outbox.edit(message.chat.id, message.message_id, reply)


def register(app: BuurtApplication) -> None:
    app.add_handler(
        CallbackQueryHandler(pressed, pattern=pattern(StillGoing, Snooze, DissolveNudged))
    )


def unclaimed_reminder(_: Gettext, request: Request) -> str:
    return _(
        "Still open since yesterday: #{number} “{text}”. Can someone help? Press "
        "the button on the card above.",
        number=request.id,
        text=request.text,
    )


def due_reminder(_: Gettext, request: Request, today: bool) -> str:
    """To whoever took the card: the helper of an ask, or the taker of an offer."""
    if request.kind == RequestKind.OFFER:
        text, giver = request.text, request.asker.first_name
        if today:
            return _("A reminder: today you get “{text}” from {name}.", text=text, name=giver)
        return _("A reminder: tomorrow you get “{text}” from {name}.", text=text, name=giver)
    if today:
        return _("A reminder: you said you'd help with “{text}” today.", text=request.text)
    return _("A reminder: you said you'd help with “{text}” tomorrow.", text=request.text)


def expired_notice(_: Gettext, title: str) -> str:
    return _(
        "The link for your group <b>{title}</b> was not used within 48 hours, so I have "
        "put the group away. Start again with /newgroup whenever you like.",
        title=title,
    )


def digest_message(_: Gettext, requests: list[Request]) -> str:
    lines = [_("<b>Still open this week</b> — maybe you can help?")]
    lines += [line(_, request) for request in requests]
    return "\n".join(lines)
