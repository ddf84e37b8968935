"""An invite-only group's owner decides: the question to the owner, and their answer.

A candidate is a resident who asked to join, or a stranger the coordinators vouched
for after the join question. Whoever decides, the bot checks again at that moment
that the person may still join: a ban or a move since the request wins.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler

from bot.context import BuurtApplication, BuurtContext, UpdateScope
from bot.i18n import Translator
from handlers.buttons import button, keyboard, no_longer_works, parse, pattern
from models import groups, joining
from models.base import utcnow
from models.entities import Group, JoinRequest, User


def name_of(user: User | None) -> str:
    """A plain name: the translator escapes it when it goes into a message."""
    return user.first_name if user is not None else "?"


async def ask_owner(context: BuurtContext, group: Group, request: JoinRequest) -> None:
    """Put the candidate before the owner: by DM, or in the group if the owner has no DM."""
    session = context.session
    owner = await session.get(User, group.owner_id)
    requester = await session.get(User, request.user_id)
    _ = context.gettext_for(owner.language_code if owner else None)  # the owner reads this
    # An owner who never opened a DM with the bot is asked in the group chat instead.
    where = group.owner_id if owner is not None and owner.started_at else group.chat_id
    assert where is not None
    text = _(
        "{name} would like to join <b>{title}</b>.", name=name_of(requester), title=group.title
    )
    if request.vouched_by is not None:
        text += "\n" + _("The coordinators of the neighbourhood know them as a neighbour.")
    prompt = await joining.add_prompt(
        session, request, where, owner.language_code if owner else None
    )
    context.outbox.send(
        where,
        text,
        remember=("prompt", prompt.id),
        reply_markup=keyboard(
            [
                button(_("Approve"), "jr", "a", request.id),
                button(_("Decline"), "jr", "d", request.id),
            ]
        ),
    )


#: Telegram lets a bot write first to someone who asked to join for this long only.
JOIN_DM_WINDOW = timedelta(minutes=5)


async def close_prompts(
    context: BuurtContext,
    group: Group,
    request: JoinRequest,
    verdict: str,
    pressed: object,
    decider: str,
) -> None:
    """Everyone else who was asked sees who decided what, and no buttons that do nothing
    any more; a declined person hears it kindly, where Telegram still lets the bot write."""
    session = context.session
    requester = await session.get(User, request.user_id)
    names = {
        "decider": decider,
        "name": name_of(requester),
        "title": group.title,
    }
    mine = (pressed.chat.id, pressed.message_id) if isinstance(pressed, Message) else None
    for prompt in await joining.take_prompts(session, request.id):
        if (prompt.chat_id, prompt.message_id) == mine or prompt.message_id is None:
            continue
        _ = context.gettext_for(prompt.language_code)
        text = {
            "approved": _("{decider} let {name} into <b>{title}</b>.", **names),
            "vouched": _(
                "{decider} knows {name} as a neighbour. The owner of <b>{title}</b> now decides.",
                **names,
            ),
            "declined": _(
                "{decider} declined the request of {name} to join <b>{title}</b>.", **names
            ),
        }[verdict]
        context.outbox.edit(prompt.chat_id, prompt.message_id, text)
    if verdict != "declined" or requester is None:
        return
    if requester.started_at is None and utcnow() - request.created_at > JOIN_DM_WINDOW:
        return  # Telegram would refuse the message
    _ = context.gettext_for(requester.language_code)
    context.outbox.send(
        requester.id,
        _(
            "Sorry, you cannot join <b>{title}</b> this time. Do you think this is a "
            "mistake? Ask the person who gave you the link.",
            title=group.title,
        ),
    )


async def lapsed(
    scope: UpdateScope, translator: Translator, request: JoinRequest, group: Group
) -> None:
    """Nobody decided in time: the questions that were put lose their buttons, and say so."""
    requester = await scope.session.get(User, request.user_id)
    for prompt in await joining.take_prompts(scope.session, request.id):
        assert prompt.message_id is not None
        _ = translator.choose(prompt.language_code)
        text = _(
            "Nobody decided within 48 hours, so the request of {name} to join "
            "<b>{title}</b> has lapsed.",
            name=name_of(requester),
            title=group.title,
        )
        scope.outbox.edit(prompt.chat_id, prompt.message_id, text)


def refusal(context: BuurtContext, outcome: joining.Outcome, name: str) -> str | None:
    """What a decider is told when the bot cannot carry out their "approve"."""
    _ = context.gettext()
    if outcome is joining.Outcome.BANNED:
        return _(
            "{name} is banned from the neighbourhood now, so they cannot join. I declined "
            "the request.",
            name=name,
        )
    if outcome is joining.Outcome.MOVED:
        return _(
            "{name} is no longer in the neighbourhood's chat, so they cannot join. I declined "
            "the request.",
            name=name,
        )
    return None


async def decided(update: Update, context: BuurtContext) -> None:
    """The owner pressed Approve or Decline."""
    parsed = parse(update, "jr", ("a", "d"), int)
    _ = context.gettext()
    user = update.effective_user
    if parsed is None or user is None:
        no_longer_works(update, context)
        return
    query, (verdict, request_id) = parsed
    try:
        group, request, outcome = await joining.decide(
            context.session, int(request_id), user.id, approve=verdict == "a"
        )
    except groups.GroupError as error:
        context.answer(
            update,
            _("Only the owner of the group can decide this.")
            if error.code == "not_owner"
            else _("This request has already been handled."),
        )
        return
    requester = await context.session.get(User, request.user_id)
    chat_id, user_id = group.chat_id, request.user_id
    assert chat_id is not None
    if outcome is joining.Outcome.APPROVED:
        context.outbox.approve(chat_id, user_id)
        result = _(
            "You let {name} into <b>{title}</b>.", name=name_of(requester), title=group.title
        )
        context.answer(update, _("Approved."))
    else:
        context.outbox.decline(chat_id, user_id)
        result = refusal(context, outcome, name_of(requester)) or _(
            "You declined the request of {name} to join <b>{title}</b>.",
            name=name_of(requester),
            title=group.title,
        )
        context.answer(update, _("Declined."))
    message = query.message
    if message is not None:
        context.outbox.edit(message.chat.id, message.message_id, result)
    verdict = "approved" if outcome is joining.Outcome.APPROVED else "declined"
    await close_prompts(context, group, request, verdict, message, user.first_name)


def register(app: BuurtApplication) -> None:
    app.add_handler(CallbackQueryHandler(decided, pattern=pattern("jr")))
