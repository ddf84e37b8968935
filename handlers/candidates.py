"""An invite-only group's owner decides: the question to the owner, and their answer.

A candidate is a resident who asked to join, or a stranger the coordinators vouched
for after the join question. Whoever decides, the bot checks again at that moment
that the person may still join: a ban or a move since the request wins.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from telegram import MaybeInaccessibleMessage, Update
from telegram.ext import CallbackQueryHandler

from bot.choices import ApproveJoin, DeclineJoin, Offer, offered
from bot.context import BuurtApplication, BuurtContext, UpdateScope
from bot.i18n import Gettext, Translator
from handlers.buttons import chosen, no_longer_works, pattern
from handlers.receipts import PromptShown
from models import groups, joining
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
        receipt=PromptShown(prompt.id),
        choices=offered(
            [
                Offer(_("Approve"), ApproveJoin(request.id)),
                Offer(_("Decline"), DeclineJoin(request.id)),
            ]
        ),
    )


#: Telegram lets a bot write first to someone who asked to join for this long only.
JOIN_DM_WINDOW = timedelta(minutes=5)


#: What became of a join request, as the others who were asked are told.
Verdict = Literal["approved", "vouched", "declined", "lapsed"]


def _verdict_text(_: Gettext, verdict: Verdict, decider: str, name: str, title: str) -> str:
    if verdict == "approved":
        return _(
            "{decider} let {name} into <b>{title}</b>.", decider=decider, name=name, title=title
        )
    if verdict == "vouched":
        return _(
            "{decider} knows {name} as a neighbour. The owner of <b>{title}</b> now decides.",
            decider=decider,
            name=name,
            title=title,
        )
    if verdict == "declined":
        return _(
            "{decider} declined the request of {name} to join <b>{title}</b>.",
            decider=decider,
            name=name,
            title=title,
        )
    return _(
        "Nobody decided within 48 hours, so the request of {name} to join "
        "<b>{title}</b> has lapsed.",
        name=name,
        title=title,
    )


async def retell(
    scope: UpdateScope,
    translator: Translator,
    group: Group,
    request: JoinRequest,
    verdict: Verdict,
    decider: str = "",
    pressed: MaybeInaccessibleMessage | None = None,
) -> User | None:
    """The questions put to whoever decides lose their buttons and say what became of the
    request (the pressed one says it in its own words); returns the requester."""
    requester = await scope.session.get(User, request.user_id)
    mine = (pressed.chat.id, pressed.message_id) if pressed is not None else None
    for prompt in await joining.take_prompts(scope.session, request.id):
        assert prompt.message_id is not None  # only sent prompts are taken
        if (prompt.chat_id, prompt.message_id) == mine:
            continue
        _ = translator.choose(prompt.language_code)
        text = _verdict_text(_, verdict, decider, name_of(requester), group.title)
        scope.outbox.edit(prompt.chat_id, prompt.message_id, text)
    return requester


async def close_prompts(
    context: BuurtContext,
    group: Group,
    request: JoinRequest,
    verdict: Verdict,
    pressed: MaybeInaccessibleMessage | None,
    decider: str,
) -> None:
    """Everyone else who was asked sees who decided what, and no buttons that do nothing
    any more; a declined person hears it kindly, where Telegram still lets the bot write."""
    assert context.scope is not None
    translator = context.services.translator
    requester = await retell(context.scope, translator, group, request, verdict, decider, pressed)
    if verdict != "declined" or requester is None:
        return
    if requester.started_at is None and context.now - request.created_at > JOIN_DM_WINDOW:
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
    found = chosen(update, ApproveJoin, DeclineJoin)
    _ = context.gettext()
    user = update.effective_user
    if found is None or user is None:
        no_longer_works(update, context)
        return
    query, choice = found
    try:
        group, request, outcome = await joining.decide(
            context.session,
            choice.join,
            user.id,
            approve=isinstance(choice, ApproveJoin),
            now=context.now,
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
    said: Verdict = "approved" if outcome is joining.Outcome.APPROVED else "declined"
    await close_prompts(context, group, request, said, message, user.first_name)


def register(app: BuurtApplication) -> None:
    app.add_handler(CallbackQueryHandler(decided, pattern=pattern(ApproveJoin, DeclineJoin)))
