"""The join question: local knowledge as the key for people the bot does not know.

A stranger who asks to join a group of a neighbourhood with a join question is
asked it by DM (allowed while their request is open). Their answer goes to the
neighbourhood's coordinators, who approve or decline; the answer itself is
passed on, never stored. Requests left undecided are declined after 48 hours.
"""

from __future__ import annotations

from sqlalchemy import select
from telegram import ChatJoinRequest, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.context import BuurtApplication, BuurtContext
from handlers.buttons import button, keyboard, no_longer_works, parse, pattern
from handlers.priority import COMMANDS
from models import groups, joining, oversight
from models.base import utcnow
from models.entities import Coordinator, Group, JoinRequest, Neighbourhood, User
from models.texts import shows_nothing

ANSWER_MAX = 500


async def ask(context: BuurtContext, request: ChatJoinRequest, group: Group, question: str) -> None:
    """Hold the join request and ask the neighbourhood's question."""
    await joining.ask_question(context.session, group, request.from_user.id)
    _ = context.gettext()
    context.outbox.send(
        request.user_chat_id,
        _(
            "Before you can join <b>{title}</b>, the neighbourhood would like to know:\n"
            "<i>{question}</i>\nPlease answer in one message here.",
            title=group.title,
            question=question,
        ),
    )


async def answered(update: Update, context: BuurtContext) -> None:
    """A DM from someone who was asked: their answer goes to the coordinators."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not message.text:
        return
    if shows_nothing(message.text):  # nothing the coordinators could judge: ask again
        if await joining.is_asked(context.session, user.id):
            _ = context.gettext()
            context.reply(update, _("Please write your answer here, in one message."))
        return
    held = await joining.awaiting_answer(context.session, user.id)
    if held is None:
        return
    request, group = held
    home = await context.session.get(Neighbourhood, group.neighbourhood_id)
    if home is None:
        return
    _ = context.gettext()
    context.reply(update, _("Thank you! The coordinators of the neighbourhood will decide soon."))
    coordinators = list(
        await context.session.scalars(
            select(User)
            .join(Coordinator, Coordinator.user_id == User.id)
            .where(Coordinator.neighbourhood_id == home.id, User.started_at.is_not(None))
        )
    )
    if not coordinators:  # nobody to ask locally: the facilitators decide instead
        coordinators = list(
            await context.session.scalars(
                select(User).where(
                    User.id.in_(context.config.facilitators.user_ids),
                    User.started_at.is_not(None),
                )
            )
        )
    answer = message.text[:ANSWER_MAX]
    for coordinator in coordinators:
        _ = context.gettext_for(coordinator.language_code)  # each coordinator reads this
        context.outbox.send(
            coordinator.id,
            _(
                "{name} wants to join <b>{title}</b>. Asked “{question}”, they answered:\n"
                "<i>{answer}</i>",
                name=user.first_name,
                title=group.title,
                question=home.join_question or "",
                answer=answer,
            ),
            reply_markup=keyboard(
                [
                    button(_("Approve"), "jq", "a", request.id),
                    button(_("Decline"), "jq", "d", request.id),
                ]
            ),
        )


async def decided(update: Update, context: BuurtContext) -> None:
    parsed = parse(update, "jq", ("a", "d"), int)
    user = update.effective_user
    _ = context.gettext()
    if parsed is None or user is None:
        no_longer_works(update, context)
        return
    query, (verdict, request_id) = parsed
    session = context.session
    request = await session.get(JoinRequest, request_id)
    group = await session.get(Group, request.group_id) if request else None
    allowed = group is not None and (
        context.config.is_facilitator(user.id)
        or (
            group.neighbourhood_id is not None
            and await oversight.is_coordinator(session, user.id, group.neighbourhood_id)
        )
    )
    if not allowed:
        no_longer_works(update, context)
        return
    try:
        group, request = await joining.decide_answer(
            session, int(request_id), verdict == "a", user.id
        )
    except groups.GroupError:
        context.answer(update, _("This request has already been handled."))
        return
    chat_id, user_id = group.chat_id, request.user_id
    assert chat_id is not None
    if verdict == "a":
        context.outbox.approve(chat_id, user_id)
        context.answer(update, _("Approved."))
    else:
        context.outbox.decline(chat_id, user_id)
        context.answer(update, _("Declined."))
    await oversight.audit(
        session,
        actor_id=user.id,
        action="approve join" if verdict == "a" else "decline join",
        target=f"group {group.id}",
        neighbourhood_id=group.neighbourhood_id,
        now=utcnow(),
    )
    message = query.message
    if message is not None:
        context.outbox.remove_buttons(message.chat.id, message.message_id)


def register(app: BuurtApplication) -> None:
    app.add_handler(CallbackQueryHandler(decided, pattern=pattern("jq")))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, answered),
        group=COMMANDS,
    )
