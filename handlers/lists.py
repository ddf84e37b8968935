"""/groups and /mine: finding groups to join, and one's own groups and requests."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.choices import GroupPage, LinkOffer, Offer, offered
from bot.context import BuurtApplication, BuurtContext
from bot.i18n import Gettext
from bot.text import Markup
from handlers.buttons import deep_link, pattern
from handlers.cards import line
from handlers.commands import command_handler
from handlers.pages import Listing, page_turner, turners
from models import groups, requests
from models.entities import Group, GroupStatus, Neighbourhood, RequestKind


async def _listing(context: BuurtContext, chat_id: int, page: int) -> Listing | None:
    """A page of a neighbourhood's open groups, each with its button to ask to join."""
    here = context.here.neighbourhood_chat
    if here is None:
        return None
    _ = context.gettext()
    found, pages = await groups.open_groups(context.session, here.id, page)
    if not found:
        text = _("There are no open groups yet. Start one with /newgroup followed by its name.")
        return text, None
    page = min(page, pages - 1)
    head = (
        _(
            "<b>Open groups in {neighbourhood}</b> (page {page} of {pages})",
            neighbourhood=here.title,
            page=page + 1,
            pages=pages,
        )
        if pages > 1
        else _("<b>Open groups in {neighbourhood}</b>", neighbourhood=here.title)
    )
    lines = [head, *(f"• {html.escape(group.title)}" for group in found)]
    lines.append(_("Press a group to ask to join it."))
    rows: list[list[Offer | LinkOffer]] = [
        [LinkOffer(group.title, deep_link(context.bot.username, "start", f"join_{group.id}"))]
        for group in found
    ]
    rows.append([*turners(GroupPage, page, pages, _("« Previous"), _("Next »"))])
    return "\n".join(lines), offered(*rows)


async def list_groups(update: Update, context: BuurtContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    listing = await _listing(context, chat.id, 0)
    if listing is None:  # a private chat: one's own groups
        await mine(update, context)
        return
    context.reply(update, listing[0], choices=listing[1])


async def mine(update: Update, context: BuurtContext) -> None:
    """My groups, my open asks, what I am helping with, and what I helped with this month."""
    user = update.effective_user
    if user is None:
        return
    _ = context.gettext()
    session = context.session
    found = await groups.groups_of(session, user.id, now=context.now)
    mine = await requests.mine(session, user.id, context.now)
    if not (found or mine.asks or mine.claims or mine.helped_this_month):
        context.reply(
            update,
            _(
                "You are not in any group yet, and have no open requests. Send /groups in "
                "your neighbourhood's chat to find a group, or /ask to ask for a hand."
            ),
        )
        return
    lines: list[str] = []
    if found:
        lines.append(_("<b>Your groups</b>"))
        lines += [await _group_line(context, _, group, user.id) for group in found]
    if mine.asks:
        lines += ["", _("<b>Your open requests</b>")] + [line(_, r) for r in mine.asks]
    helping = [r for r in mine.claims if r.kind == RequestKind.ASK]
    taking = [r for r in mine.claims if r.kind == RequestKind.OFFER]
    if helping:
        lines += ["", _("<b>You are helping with</b>")] + [line(_, r) for r in helping]
    if taking:
        lines += ["", _("<b>Offers you would like</b>")] + [line(_, r) for r in taking]
    if mine.helped_this_month:
        lines += [
            "",
            _.plural(
                "This month you helped with {n} request. Thank you!",
                "This month you helped with {n} requests. Thank you!",
                len(mine.helped_this_month),
            ),
        ]
    context.reply(update, "\n".join(lines).strip())


async def _group_line(context: BuurtContext, _: Gettext, group: Group, user_id: int) -> str:
    neighbourhood = (
        await context.session.get(Neighbourhood, group.neighbourhood_id)
        if group.neighbourhood_id
        else None
    )
    if group.status == GroupStatus.PENDING:
        role = _("waiting for its group chat")
    elif group.owner_id == user_id:
        role = _("owner")
    else:
        role = _("member")
    return _(
        "• <b>{title}</b> ({neighbourhood}): {role}",
        title=group.title,
        neighbourhood=neighbourhood.title if neighbourhood else "?",
        role=Markup(role),
    )


def register(app: BuurtApplication) -> None:
    app.add_handler(command_handler("groups", list_groups))
    app.add_handler(command_handler("mine", mine))
    app.add_handler(
        CallbackQueryHandler(page_turner(GroupPage, _listing), pattern=pattern(GroupPage))
    )
