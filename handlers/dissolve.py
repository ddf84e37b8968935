"""/dissolve: ending a group cleanly once its purpose is done.

Only the owner ends a group, after confirming. The bot then says goodbye with
a short summary, revokes its invite links and leaves the chat.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import MaybeInaccessibleMessage, Update
from telegram.ext import CallbackQueryHandler

from bot.choices import AskToEnd, Choices, EndGroup, KeepGroup, Offer, offered
from bot.context import BuurtApplication, BuurtContext
from bot.i18n import Gettext
from handlers.buttons import chosen, no_longer_works, pattern
from handlers.cards import card
from models import groups
from models.entities import Group, GroupStatus, Neighbourhood, User


def confirmation(_: Gettext, group: Group) -> tuple[str, Choices]:
    text = _(
        "Do you want to end <b>{title}</b>? I will post a short summary, close the invite "
        "links and leave the chat. This cannot be undone.",
        title=group.title,
    )
    markup = offered(
        [Offer(_("Yes, end it"), EndGroup(group.id)), Offer(_("No"), KeepGroup(group.id))]
    )
    return text, markup


def summary_text(_: Gettext, summary: groups.Summary, zone: ZoneInfo) -> str:
    """The goodbye: how long the group lived, what it asked and did, and thanks by name."""
    days = (
        summary.ended_at.astimezone(zone).date() - summary.started_at.astimezone(zone).date()
    ).days
    lines = [
        _("This group started today, and has now ended.")
        if days <= 0
        else _.plural(
            "This group has ended after {n} day.", "This group has ended after {n} days.", days
        ),
        _.plural("It had {n} member.", "It had {n} members.", summary.members),
    ]
    if summary.requests_asked:
        lines.append(
            _.plural(
                "{n} request was posted here.",
                "{n} requests were posted here.",
                summary.requests_asked,
            )
        )
    if summary.requests_done:
        lines.append(
            _.plural(
                "Together you completed {n} request.",
                "Together you completed {n} requests.",
                summary.requests_done,
            )
        )
    if summary.closed:
        lines.append(
            _.plural(
                "{n} request was still open. I have closed it.",
                "{n} requests were still open. I have closed them.",
                len(summary.closed),
            )
        )
    if summary.helpers:
        lines.append(_("Thank you for helping, {names}!", names=", ".join(summary.helpers)))
    return "\n".join([*lines, _("Thank you all for being good neighbours.")])


async def dissolve_command(update: Update, context: BuurtContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    _ = context.gettext()
    group = context.here.group
    if group is None:
        return
    if group.owner_id == user.id:
        text, markup = confirmation(_, group)
        context.reply(update, text, choices=markup)
        return
    owner = await context.session.get(User, group.owner_id)
    context.reply(
        update,
        _(
            "Only the owner of the group, {name}, can end it. I have let them know.",
            name=owner.first_name if owner else "?",
        ),
    )
    _ = context.gettext_for(owner.language_code if owner else None)  # the owner reads this
    # The bot may not write first to an owner who never opened a DM with it: ask in the group.
    where = group.owner_id if owner is not None and owner.started_at else chat.id
    context.outbox.send(
        where,
        _(
            "{name} suggests ending the group <b>{title}</b>.",
            name=user.first_name,
            title=group.title,
        ),
        choices=offered([Offer(_("End the group"), AskToEnd(group.id))]),
    )


async def pressed(update: Update, context: BuurtContext) -> None:
    found = chosen(update, EndGroup, KeepGroup, AskToEnd)
    user = update.effective_user
    _ = context.gettext()
    if found is None or user is None:
        no_longer_works(update, context)
        return
    query, choice = found
    group = await context.session.get(Group, choice.group)
    if group is None or group.status != GroupStatus.ACTIVE:
        context.answer(update, _("This group has already ended."))
        return
    if group.owner_id != user.id:
        context.answer(update, _("Only the owner of the group can end it."))
        return
    message = query.message
    if isinstance(choice, EndGroup):
        try:
            await _dissolve(context, group, user.id, message)
        except groups.GroupError:
            context.answer(update, _("This group has already ended."))
            return
        context.answer(update)
        return
    context.answer(update)
    if isinstance(choice, AskToEnd):
        text, markup = confirmation(_, group)
        edit_text, edit_markup = text, markup
    else:
        edit_text, edit_markup = _("Good, the group goes on."), None
    if message is not None:
        context.outbox.edit(message.chat.id, message.message_id, edit_text, choices=edit_markup)


async def _dissolve(
    context: BuurtContext, group: Group, by: int, confirmation: MaybeInaccessibleMessage | None
) -> None:
    """The confirmation loses its buttons before the bot leaves: after, it could not."""
    session = context.session
    chat_id = group.chat_id
    assert chat_id is not None
    summary = await groups.dissolve(
        session, group, by=by, reason="ended by its owner", now=context.now
    )
    links = await groups.revoke_invite_links(session, group, now=context.now)
    home = await session.get(Neighbourhood, group.neighbourhood_id)
    _ = context.gettext(home.language if home else None)
    context.outbox.send(chat_id, summary_text(_, summary, zone_of(context, home)))
    if confirmation is not None:
        ended = context.gettext()("The group <b>{title}</b> has ended.", title=group.title)
        context.outbox.edit(confirmation.chat.id, confirmation.message_id, ended)
    farewell(context, _, chat_id, summary, links)


def zone_of(context: BuurtContext, home: Neighbourhood | None) -> ZoneInfo:
    return ZoneInfo(home.timezone if home else context.config.defaults.timezone)


def farewell(
    context: BuurtContext, _: Gettext, chat_id: int, summary: groups.Summary, links: list[str]
) -> None:
    """After the summary: the cards of what ended with the group say so, every invite link
    the bot made is closed, and the bot leaves the chat."""
    for request in summary.closed:
        if request.card_message_id is not None:
            text, _markup = card(_, request, context.now)
            context.outbox.edit(chat_id, request.card_message_id, text, choices=None)
    for url in links:
        context.outbox.revoke(chat_id, url)
    context.outbox.leave(chat_id)


def register(app: BuurtApplication) -> None:
    # The /dissolve command itself is registered by handlers/oversight.py, which also
    # serves its facilitator form in a DM.
    app.add_handler(CallbackQueryHandler(pressed, pattern=pattern(EndGroup, KeepGroup, AskToEnd)))
