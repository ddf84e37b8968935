"""The join question: local knowledge as the key for people the bot does not know.

A stranger who asks to join a group of a neighbourhood with a join question is
asked it by DM (allowed while their request is open). Their answer goes to the
neighbourhood's coordinators who opened a DM with the bot, or, if there are none,
to the facilitators who did. A "yes" lets them into an open group, and makes them
a candidate for the owner of an invite-only one.

The answer is passed on, not stored, when someone can read it at once. When nobody
can yet, it is kept until the first of them opens a DM with the bot, and erased once
it is decided. A request is declined 48 hours after a decider could first see it.
"""

from __future__ import annotations

from sqlalchemy import select
from telegram import ChatJoinRequest, Update
from telegram.ext import CallbackQueryHandler

from bot.choices import ApproveAnswer, DeclineAnswer, Offer, offered
from bot.context import BuurtApplication, BuurtContext
from handlers import candidates
from handlers.buttons import chosen, no_longer_works, pattern
from handlers.receipts import PromptShown
from models import groups, joining, oversight
from models.entities import Group, JoinRequest, Neighbourhood, User
from models.texts import shows_nothing

ANSWER_MAX = 500


async def ask(context: BuurtContext, request: ChatJoinRequest, group: Group, question: str) -> None:
    """Hold the join request and ask the neighbourhood's question."""
    await joining.ask_question(context.session, group, request.from_user.id, now=context.now)
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


async def _deciders(context: BuurtContext, home: Neighbourhood) -> list[User]:
    """Who reads a join answer now: coordinators, else facilitators, who can be written to."""
    found = await oversight.reachable_coordinators(context.session, home.id)
    if found:
        return found
    facilitators = context.config.facilitators.user_ids
    return [
        user
        for user_id in facilitators
        if (user := await context.session.get(User, user_id)) is not None and user.started_at
    ]


async def _show(
    context: BuurtContext, reader: User, request: JoinRequest, group: Group, answer: str
) -> None:
    session = context.session
    home = await session.get(Neighbourhood, group.neighbourhood_id)
    asker = await session.get(User, request.user_id)
    _ = context.gettext_for(reader.language_code)  # each decider reads this
    prompt = await joining.add_prompt(session, request, reader.id, reader.language_code)
    context.outbox.send(
        reader.id,
        _(
            "{name} wants to join <b>{title}</b>. Asked “{question}”, they answered:\n"
            "<i>{answer}</i>",
            name=candidates.name_of(asker),
            title=group.title,
            question=(home.join_question if home else None) or "",
            answer=answer,
        ),
        receipt=PromptShown(prompt.id),
        choices=offered(
            [
                Offer(_("Approve"), ApproveAnswer(request.id)),
                Offer(_("Decline"), DeclineAnswer(request.id)),
            ]
        ),
    )


async def answered(update: Update, context: BuurtContext) -> bool:
    """A DM from someone who was asked: their answer goes to whoever decides. Says
    whether the DM was taken as (an attempt at) an answer."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    if not message.text or shows_nothing(message.text):  # nothing one could judge
        if not await joining.is_asked(context.session, user.id):
            return False
        _ = context.gettext()
        context.reply(update, _("Please write your answer here, in one message."))
        return True
    held = await joining.awaiting_answer(context.session, user.id)
    if held is None:
        return False
    request, group = held
    home = await context.session.get(Neighbourhood, group.neighbourhood_id)
    if home is None:
        return False
    _ = context.gettext()
    answer = message.text[:ANSWER_MAX]
    deciders = await _deciders(context, home)
    if not deciders:
        joining.keep_answer(request, answer)
        context.reply(
            update,
            _(
                "Thank you! Right now nobody of the neighbourhood can read your answer yet. "
                "I will pass it on as soon as a coordinator opens a chat with me. That can "
                "take a while. When they let you in, you will see the group in Telegram."
            ),
        )
        return True
    joining.answer_shown(request, context.now)
    context.reply(update, _("Thank you! The coordinators of the neighbourhood will decide soon."))
    for reader in deciders:
        await _show(context, reader, request, group, answer)
    return True


async def show_kept(context: BuurtContext, user: User) -> None:
    """Someone who decides opened a DM: the kept answers they are the first to see."""
    session = context.session
    coordinated = [home.id for home in await oversight.coordinated(session, user.id)]
    if context.config.is_facilitator(user.id):
        # Facilitators decide where no coordinator can be reached.
        homes = await session.scalars(select(Neighbourhood.id).where(Neighbourhood.active))
        for home_id in list(homes):
            if home_id not in coordinated and not await oversight.reachable_coordinators(
                session, home_id
            ):
                coordinated.append(home_id)
    now = context.now
    for request in await joining.unseen_answers(session, coordinated):
        group = await session.get(Group, request.group_id)
        if group is None or request.answer is None:
            continue
        await _show(context, user, request, group, request.answer)
        joining.answer_shown(request, now)


async def decided(update: Update, context: BuurtContext) -> None:
    found = chosen(update, ApproveAnswer, DeclineAnswer)
    user = update.effective_user
    _ = context.gettext()
    if found is None or user is None:
        no_longer_works(update, context)
        return
    query, choice = found
    approve = isinstance(choice, ApproveAnswer)
    session = context.session
    request = await session.get(JoinRequest, choice.join)
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
        group, request, outcome = await joining.decide_answer(
            session, choice.join, approve, user.id, now=context.now
        )
    except groups.GroupError:
        context.answer(update, _("This request has already been handled."))
        return
    chat_id, user_id = group.chat_id, request.user_id
    assert chat_id is not None
    asker = await session.get(User, user_id)
    name = candidates.name_of(asker)
    if outcome is joining.Outcome.APPROVED:
        context.outbox.approve(chat_id, user_id)
        context.answer(update, _("Approved."))
        result = _("You let {name} into <b>{title}</b>.", name=name, title=group.title)
    elif outcome is joining.Outcome.VOUCHED:
        await candidates.ask_owner(context, group, request)
        context.answer(update, _("Approved."))
        result = _(
            "Thank you. <b>{title}</b> is invite-only, so its owner now decides about {name}.",
            name=name,
            title=group.title,
        )
    else:
        context.outbox.decline(chat_id, user_id)
        context.answer(update, _("Declined."))
        result = candidates.refusal(context, outcome, name) or _(
            "You declined the request of {name} to join <b>{title}</b>.",
            name=name,
            title=group.title,
        )
    await oversight.audit(
        session,
        actor_id=user.id,
        action="approve join" if approve else "decline join",
        target=f"group {group.id}",
        neighbourhood_id=group.neighbourhood_id,
        now=context.now,
    )
    message = query.message
    if message is not None:
        context.outbox.edit(message.chat.id, message.message_id, result)
    said: dict[joining.Outcome, candidates.Verdict] = {
        joining.Outcome.APPROVED: "approved",
        joining.Outcome.VOUCHED: "vouched",
    }
    await candidates.close_prompts(
        context, group, request, said.get(outcome, "declined"), message, user.first_name
    )


def register(app: BuurtApplication) -> None:
    # Answers arrive as plain DMs, which handlers/fallback.py hands to `answered`.
    app.add_handler(CallbackQueryHandler(decided, pattern=pattern(ApproveAnswer, DeclineAnswer)))
