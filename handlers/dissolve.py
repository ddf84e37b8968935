"""/dissolve: ending a group cleanly once its purpose is done.

Only the owner ends a group, after confirming. The bot then says goodbye with
a short summary, revokes its invite links and leaves the chat.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.context import BuurtApplication, BuurtContext
from bot.i18n import Gettext
from handlers.buttons import button, keyboard, no_longer_works, parse, pattern
from models import groups
from models.entities import Group, GroupStatus, User


def confirmation(_: Gettext, group: Group) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "Do you want to end <b>{title}</b>? I will post a short summary, close the invite "
        "links and leave the chat. This cannot be undone.",
        title=group.title,
    )
    markup = keyboard(
        [button(_("Yes, end it"), "ds", "ok", group.id), button(_("No"), "ds", "no", group.id)]
    )
    return text, markup


def summary_text(_: Gettext, summary: groups.Summary) -> str:
    text = _.plural(
        "This group has ended after {n} day, with {members} members.",
        "This group has ended after {n} days, with {members} members.",
        summary.days,
        members=summary.members,
    )
    if summary.requests_done:
        text += " " + _.plural(
            "Together you completed {n} request.",
            "Together you completed {n} requests.",
            summary.requests_done,
        )
    if summary.helpers:
        text += " " + _("Thank you, {names}!", names=", ".join(summary.helpers))
    return text + "\n" + _("Thank you all for being good neighbours.")


async def dissolve_command(update: Update, context: BuurtContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    _ = context.gettext()
    group = await groups.active_in_chat(context.session, chat.id)
    if group is None:
        return
    if group.owner_id == user.id:
        text, markup = confirmation(_, group)
        context.reply(update, text, reply_markup=markup)
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
        reply_markup=keyboard([button(_("End the group"), "ds", "ask", group.id)]),
    )


async def pressed(update: Update, context: BuurtContext) -> None:
    parsed = parse(update, "ds", ("ok", "no", "ask"), int)
    user = update.effective_user
    _ = context.gettext()
    if parsed is None or user is None:
        no_longer_works(update, context)
        return
    query, (action, group_id) = parsed
    group = await context.session.get(Group, group_id)
    if group is None or group.status != GroupStatus.ACTIVE:
        context.answer(update, _("This group has already ended."))
        return
    if group.owner_id != user.id:
        context.answer(update, _("Only the owner of the group can end it."))
        return
    message = query.message
    if action == "ok":
        try:
            await _dissolve(context, group, user.id)
        except groups.GroupError:
            context.answer(update, _("This group has already ended."))
            return
    context.answer(update)
    if action == "ask":
        text, markup = confirmation(_, group)
        edit_text, edit_markup = text, markup
    elif action == "no":
        edit_text, edit_markup = _("Good, the group goes on."), None
    else:
        edit_text, edit_markup = _("The group <b>{title}</b> has ended.", title=group.title), None
    if message is not None:
        context.outbox.edit(
            message.chat.id, message.message_id, edit_text, reply_markup=edit_markup
        )


async def _dissolve(context: BuurtContext, group: Group, by: int) -> None:
    session = context.session
    chat_id = group.chat_id
    assert chat_id is not None
    summary = await groups.dissolve(session, group, by=by, reason="ended by its owner")
    links = await groups.revoke_invite_links(session, group)
    _ = context.gettext()
    outbox = context.outbox
    outbox.send(chat_id, summary_text(_, summary))
    farewell(context, chat_id, links)


def farewell(context: BuurtContext, chat_id: int, links: list[str]) -> None:
    """After the summary: close every invite link the bot made, then leave the chat."""
    for url in links:
        context.outbox.revoke(chat_id, url)
    context.outbox.leave(chat_id)


def register(app: BuurtApplication) -> None:
    # The /dissolve command itself is registered by handlers/oversight.py, which also
    # serves its facilitator form in a DM.
    app.add_handler(CallbackQueryHandler(pressed, pattern=pattern("ds")))
