"""Someone asks to join a group: residents of an open group are let in at once, the
banned and strangers are declined (or asked the neighbourhood's join question), and
an invite-only group's owner is asked."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ChatJoinRequestHandler

from bot.context import BuurtApplication, BuurtContext
from handlers import candidates, join_question
from handlers.people import person
from models import joining
from models.entities import Neighbourhood
from models.people import see_user


async def join_requested(update: Update, context: BuurtContext) -> None:
    request = update.chat_join_request
    if request is None:
        return
    session = context.session
    group = context.here.group
    if group is None:
        return  # not one of ours
    await see_user(session, person(request.from_user), now=context.now)
    _ = context.gettext()
    verdict = await joining.is_welcome(session, group, request.from_user.id)
    home = await session.get(Neighbourhood, group.neighbourhood_id)
    if verdict is joining.Welcome.STRANGER and home is not None and home.join_question:
        await join_question.ask(context, request, group, home.join_question)
        return
    if verdict is not joining.Welcome.RESIDENT:
        reason = (
            _("Sorry, you cannot join <b>{title}</b>.", title=group.title)
            if verdict is joining.Welcome.BANNED
            else _(
                "Sorry, <b>{title}</b> is only for residents of its neighbourhood. If you live "
                "there, send a message in the neighbourhood's group chat first, then try again.",
                title=group.title,
            )
        )
        # While the request is open Telegram lets us write to them, even without /start.
        context.outbox.send(request.user_chat_id, reason)
        context.outbox.decline(request.chat.id, request.from_user.id)
        return
    if not group.invite_only:
        context.outbox.approve(request.chat.id, request.from_user.id)
        return
    pending = await joining.request_to_join(session, group, request.from_user.id, now=context.now)
    context.outbox.send(
        request.user_chat_id,
        _("Thank you! The owner of <b>{title}</b> will look at your request.", title=group.title),
    )
    await candidates.ask_owner(context, group, pending)


def register(app: BuurtApplication) -> None:
    app.add_handler(ChatJoinRequestHandler(join_requested))
