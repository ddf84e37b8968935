"""/groups and /mine: finding groups to join, and one's own."""

from __future__ import annotations

import html

from telegram import Update

from bot.context import BuurtApplication, BuurtContext
from bot.i18n import Html
from handlers.buttons import deep_link, keyboard, link_button
from handlers.commands import command_handler
from models import groups, neighbourhoods
from models.entities import GroupStatus, Neighbourhood

#: Telegram shows long keyboards badly; more groups than this are listed without buttons.
MAX_BUTTONS = 20


async def list_groups(update: Update, context: BuurtContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    _ = context.gettext()
    here = await neighbourhoods.find_active(context.session, chat.id)
    if here is None:
        await mine(update, context)
        return
    found = await groups.open_groups(context.session, here.id)
    if not found:
        context.reply(
            update,
            _("There are no open groups yet. Start one with /newgroup followed by its name."),
        )
        return
    lines = [_("<b>Open groups in {neighbourhood}</b>", neighbourhood=here.title)]
    lines += [f"• {html.escape(group.title)}" for group in found]
    rows = [
        [link_button(group.title, deep_link(context.bot.username, "start", f"join_{group.id}"))]
        for group in found[:MAX_BUTTONS]
    ]
    lines.append(_("Press a group to ask to join it."))
    context.reply(update, "\n".join(lines), reply_markup=keyboard(*rows))


async def mine(update: Update, context: BuurtContext) -> None:
    user = update.effective_user
    if user is None:
        return
    _ = context.gettext()
    found = await groups.groups_of(context.session, user.id)
    if not found:
        context.reply(
            update,
            _(
                "You are not in any group yet. Send /groups in your neighbourhood's chat "
                "to find one."
            ),
        )
        return
    lines = [_("<b>Your groups</b>")]
    for group in found:
        neighbourhood = (
            await context.session.get(Neighbourhood, group.neighbourhood_id)
            if group.neighbourhood_id
            else None
        )
        if group.status == GroupStatus.PENDING:
            role = _("waiting for its group chat")
        elif group.owner_id == user.id:
            role = _("owner")
        else:
            role = _("member")
        lines.append(
            _(
                "• <b>{title}</b> ({neighbourhood}): {role}",
                title=group.title,
                neighbourhood=neighbourhood.title if neighbourhood else "?",
                role=Html(role),
            )
        )
    context.reply(update, "\n".join(lines))


def register(app: BuurtApplication) -> None:
    app.add_handler(command_handler("groups", list_groups))
    app.add_handler(command_handler("mine", mine))
