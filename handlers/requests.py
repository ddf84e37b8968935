"""/ask, /offer, their cards' buttons, /requests and /cancel.

Thin on purpose: parse, call models.requests, render a card. Every press is
checked against the database: callback data only says which card was pressed.
"""

from __future__ import annotations

from datetime import date, datetime

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler

from bot.choices import CancelRequest, Claim, Done, Release, RequestPage, offered
from bot.context import BuurtApplication, BuurtContext
from bot.i18n import Gettext
from bot.text import mention
from handlers import request_parsing
from handlers.buttons import chosen, no_longer_works, pattern, shows
from handlers.cards import card, line
from handlers.commands import arguments_of, command_handler
from handlers.dates import day_text
from handlers.numbers import parse_row_id
from handlers.pages import Listing, page_turner, turners
from handlers.people import person
from handlers.receipts import CardShown
from models import oversight, requests
from models.entities import Neighbourhood, Request, RequestKind
from models.people import see_user


def card_language(context: BuurtContext, neighbourhood: Neighbourhood) -> Gettext:
    """Cards are read by the whole chat, so they speak the neighbourhood's language."""
    return context.services.translator.get(neighbourhood.language)


def _example(_: Gettext, kind: RequestKind) -> str:
    if kind == RequestKind.ASK:
        return _(
            "Tell me what you need, for example:\n/ask help carrying groceries on Friday\n"
            "/ask for Mrs De Vries: a lift to the doctor tomorrow"
        )
    return _("Tell me what you offer, for example:\n/offer I can lend a ladder")


async def _post(update: Update, context: BuurtContext, kind: RequestKind) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    _ = context.gettext()
    nb = context.here.home
    if nb is None:
        return
    raw = arguments_of(update)
    if len(raw) > requests.TEXT_MAX * 2:  # far too long to be worth parsing
        context.reply(update, _too_long(_))
        return
    reading = request_parsing.parse(kind, raw, nb.timezone, context.now)
    draft = reading.draft
    if not draft.text:
        context.reply(update, _example(_, kind))
        return
    await see_user(context.session, person(user), now=context.now)
    try:
        request = await requests.post(
            context.session,
            draft,
            asker_id=user.id,
            chat_id=chat.id,
            neighbourhood_id=nb.id,
            group_id=context.here.group.id if context.here.group else None,
            limit=context.config.requests.max_open_per_resident,
            now=context.now,
        )
    except requests.RequestError as error:
        context.reply(
            update, _problem(_, error.code, context.config.requests.max_open_per_resident)
        )
        return
    text, markup = card(card_language(context, nb), request, context.now)
    context.outbox.send(
        chat.id,
        text,
        choices=markup,
        reply_to=update.effective_message.message_id if update.effective_message else None,
        receipt=CardShown(request.id),
    )
    if reading.passed is not None:
        context.reply(update, _passed(card_language(context, nb), reading.passed, context.now))


def _passed(_: Gettext, day: date, now: datetime) -> str:
    """A date in the past is surely a slip: say so, and how to post with the right one."""
    return _(
        "I left the date off: {date} has passed. Do you want a date on it? Press "
        "Cancel under the request and ask again with the year, for example: {example}",
        date=day_text(_, day, now.date()),
        example=f"{day.day}-{day.month}-{now.year + 1}",
    )


def _too_long(_: Gettext) -> str:
    return _(
        "That is a bit long: please keep it under {max} characters. Details can follow "
        "in the chat.",
        max=requests.TEXT_MAX,
    )


def _problem(_: Gettext, code: str, limit: int) -> str:
    if code == "limit":
        return _.plural(
            "You already have {n} open request here. Please mark it done or cancel it "
            "before you post another.",
            "You already have {n} open requests here. Please mark one done or cancel it "
            "before you post another.",
            limit,
        )
    if code == "beneficiary":
        return _("Please keep the name of the person you ask for short.")
    return _too_long(_)


async def ask(update: Update, context: BuurtContext) -> None:
    await _post(update, context, RequestKind.ASK)


async def offer(update: Update, context: BuurtContext) -> None:
    await _post(update, context, RequestKind.OFFER)


# -- the card's buttons --------------------------------------------------------------------

#: What a press on a card chooses.
CardChoice = Claim | Release | Done | CancelRequest


def _refusal(_: Gettext, error: requests.RequestError) -> str:
    request = error.request
    claimer = request.claimer.first_name if request and request.claimer else "?"
    if request is not None and request.kind == RequestKind.OFFER:
        refusals = {
            "taken": _("This offer already goes to {name}.", name=claimer),
            "own": _("This is your own offer."),
            "not_claimer": _("Only {name} can say it is no longer needed.", name=claimer),
            "not_involved": _(
                "Only {giver} or {name} can mark this done.",
                giver=request.asker.first_name,
                name=claimer,
            ),
            "stale": _("This offer already goes to someone, or it is done."),
        }
    else:
        refusals = {
            "taken": _("{name} is already on it.", name=claimer),
            "own": _("This is your own request."),
            "not_claimer": _("Only {name} can release this.", name=claimer),
            "not_involved": _("Only the helper or the asker can mark this done."),
            "stale": _("Someone is already on this request, or it is done."),
        }
    refusals["not_asker"] = _("Only the person who posted this can cancel it.")
    return refusals.get(error.code, refusals["stale"])


def _on_its_card(query: CallbackQuery, request: Request) -> bool:
    """Whether the press is on the request's own card, the one message its buttons change.

    The card's message id is recorded once Telegram has taken the card, a moment after it
    is shown. Until then, the card is the message that shows the pressed button: no other
    message shows a request's buttons.
    """
    message = query.message
    if message is None or message.chat.id != request.chat_id:
        return False
    if request.card_message_id is None:
        return shows(query)
    return message.message_id == request.card_message_id


async def pressed(update: Update, context: BuurtContext) -> None:
    found = chosen(update, Claim, Release, Done, CancelRequest)
    user = update.effective_user
    _ = context.gettext()
    if found is None or user is None:
        no_longer_works(update, context)
        return
    query, choice = found
    session = context.session
    message = query.message
    try:
        current = await requests.load(session, choice.request)
    except requests.RequestError:
        no_longer_works(update, context)
        return
    if message is None or not _on_its_card(query, current):
        no_longer_works(update, context)  # forged: any other message would become its card
        return
    if current.card_message_id is None:
        await requests.set_card(session, current.id, message.message_id)
    home = context.here.home  # the card's chat: checked above
    if home is None:
        context.answer(update, _("This group has ended."))
        return
    now = context.now
    await see_user(session, person(user), now=now)
    try:
        match choice:
            case Claim():
                request = await requests.claim(session, current.id, user.id, now=now)
            case Release():
                request = await requests.release(session, current.id, user.id)
            case Done():
                request = await requests.finish(session, current.id, user.id, now=now)
            case CancelRequest():  # the asker's button; coordinators use /cancel, with a reason
                request = await requests.cancel(session, current.id, user.id, now=now)
    except requests.RequestError as error:
        context.answer(update, _refusal(_, error))
        return
    text, markup = card(card_language(context, home), request, context.now)
    context.outbox.edit(message.chat.id, message.message_id, text, choices=markup)
    context.answer(update, _answer(_, choice, request))
    if isinstance(choice, Claim) and request.asker.started_at is not None:
        _ = context.gettext_for(request.asker.language_code)  # the asker reads this
        context.outbox.send(request.asker_id, _taken(_, request))


def _answer(_: Gettext, choice: CardChoice, request: Request) -> str:
    """The short answer to whoever pressed, in words that fit an ask or an offer."""
    offer = request.kind == RequestKind.OFFER
    match choice:
        case Claim():
            if offer:
                return _("Good! Everyone can see you would like this.")
            return _("Thank you! Everyone can see you are on it.")
        case Release():
            if offer:
                return _("Fine: now someone else can have it.")
            return _("Released: someone else can pick it up.")
        case Done():
            return _("Marked done. Thank you!")
        case CancelRequest():
            return _("Cancelled.")


def _taken(_: Gettext, request: Request) -> str:
    """The poster's DM when someone takes their card: who, and how to reach them."""
    claimer = request.claimer
    assert claimer is not None
    if request.kind == RequestKind.ASK:
        return _(
            "Good news: {name} will help with “{text}”.",
            name=claimer.first_name,
            text=request.text,
        )
    return _(
        "Good news: {name} would like your offer “{text}”. Tap the name to send a message "
        "and agree on the details.",
        name=mention(claimer.id, claimer.first_name, claimer.username),
        text=request.text,
    )


# -- lists and moderation ------------------------------------------------------------------


async def _listing(context: BuurtContext, chat_id: int, page: int) -> Listing | None:
    if context.here.home is None:
        return None
    _ = context.gettext()
    found, pages = await requests.live_in_chat(context.session, chat_id, page)
    if not found:
        return _(
            "There are no open requests here. Ask for help with /ask, or offer it with /offer."
        ), None
    page = min(page, pages - 1)
    lines = [_("<b>Open requests</b> (page {page} of {pages})", page=page + 1, pages=pages)]
    lines += [line(_, request) for request in found]
    nav = turners(RequestPage, page, pages, _("« Newer"), _("Older »"))
    return "\n".join(lines), offered(nav) if nav else None


async def list_requests(update: Update, context: BuurtContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    listing = await _listing(context, chat.id, 0)
    if listing is not None:
        context.reply(update, listing[0], choices=listing[1])


async def cancel_command(update: Update, context: BuurtContext) -> None:
    """/cancel <number> <reason>: a coordinator or facilitator takes a request down."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    _ = context.gettext()
    parts = arguments_of(update).split(maxsplit=1)
    number = parts[0].lstrip("#") if parts else ""
    request_id = parse_row_id(number)
    reason = request_parsing.clean(parts[1]) if len(parts) > 1 else ""
    if request_id is None or not reason:
        context.reply(
            update,
            _(
                "Please give the request's number and a reason, for example:\n"
                "/cancel 12 posted twice"
            ),
        )
        return
    try:
        current = await requests.load(context.session, request_id)
        if current.chat_id != chat.id:
            raise requests.RequestError("unknown")
        request = await requests.cancel(
            context.session,
            current.id,
            user.id,
            moderator=True,
            reason=reason,
            now=context.now,
        )
    except requests.RequestError:
        context.reply(update, _("There is no open request #{number} in this chat.", number=number))
        return
    await oversight.audit(
        context.session,
        actor_id=user.id,
        action="cancel request",
        target=f"request {request.id}",
        neighbourhood_id=request.neighbourhood_id,
        now=context.now,
    )
    home = context.here.home
    assert home is not None
    if request.card_message_id is not None:
        text, markup = card(card_language(context, home), request, context.now)
        context.outbox.edit(chat.id, request.card_message_id, text, choices=markup)
    context.reply(update, _("Request #{number} is cancelled.", number=request.id))


def register(app: BuurtApplication) -> None:
    app.add_handler(command_handler("ask", ask))
    app.add_handler(command_handler("offer", offer))
    app.add_handler(command_handler("requests", list_requests))
    app.add_handler(command_handler("cancel", cancel_command))
    app.add_handler(
        CallbackQueryHandler(pressed, pattern=pattern(Claim, Release, Done, CancelRequest))
    )
    app.add_handler(
        CallbackQueryHandler(page_turner(RequestPage, _listing), pattern=pattern(RequestPage))
    )
