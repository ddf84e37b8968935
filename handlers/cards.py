"""How a request looks in its chat: the card, and the lines of /requests.

The card is the one source of truth in the chat; every change edits it.
"""

from __future__ import annotations

import html
from datetime import datetime

from bot.choices import CancelRequest, Choices, Claim, Done, Offer, Release, offered
from bot.i18n import Gettext
from bot.text import Markup
from handlers.dates import day_text
from models import requests
from models.entities import Request, RequestKind, RequestState

SNIPPET = 60


def _state(_: Gettext, request: Request) -> str:
    if requests.ended_with_its_group(request):
        return _("Closed: the group has ended.")
    if request.kind == RequestKind.OFFER:
        return _offer_state(_, request)
    claimer = request.claimer.first_name if request.claimer else "?"
    if request.state == RequestState.OPEN:
        return _("Open: who can help?")
    if request.state == RequestState.CLAIMED:
        return _("{name} is on it.", name=claimer)
    if request.state == RequestState.DONE:
        return _("Done by {name}. Thank you! 💚", name=claimer)
    if request.cancel_reason:
        return _("Cancelled: {reason}", reason=request.cancel_reason)
    return _("Cancelled.")


def _offer_state(_: Gettext, request: Request) -> str:
    """An offer is given, not helped with: its taker would like it, its poster gives it."""
    taker = request.claimer.first_name if request.claimer else "?"
    if request.state == RequestState.OPEN:
        return _("Open: who would like this?")
    if request.state == RequestState.CLAIMED:
        return _("{name} would like this.", name=taker)
    if request.state == RequestState.DONE:
        return _(
            "Done: {name} has received it. Thank you, {giver}! 💚",
            name=taker,
            giver=request.asker.first_name,
        )
    if request.cancel_reason:
        return _("This offer is off: {reason}", reason=request.cancel_reason)
    return _("This offer is off.")


def due_text(_: Gettext, request: Request, now: datetime) -> str | None:
    return None if request.due is None else day_text(_, request.due, now.date())


def card(_: Gettext, request: Request, now: datetime) -> tuple[str, Choices | None]:
    """The card as it reads at `now`: a due date is told relative to today."""
    head = (
        _("🙋 <b>Ask</b> #{number}", number=request.id)
        if request.kind == RequestKind.ASK
        else _("🎁 <b>Offer</b> #{number}", number=request.id)
    )
    lines = [head, html.escape(request.text)]
    if request.on_behalf_of:
        lines.append(_("For: {name}", name=request.on_behalf_of))
    lines.append(_("By: {name}", name=request.asker.first_name))
    when = due_text(_, request, now)
    if when:
        lines.append(_("When: {date}", date=when))
    lines.append(Markup(f"<i>{_state(_, request)}</i>"))
    return "\n".join(lines), buttons(_, request)


def buttons(_: Gettext, request: Request) -> Choices | None:
    offer = request.kind == RequestKind.OFFER
    if request.state == RequestState.OPEN:
        take = _("I'd like that") if offer else _("I'll do it")
        return offered(
            [Offer(take, Claim(request.id)), Offer(_("Cancel"), CancelRequest(request.id))]
        )
    if request.state == RequestState.CLAIMED:
        release = _("No longer needed") if offer else _("Release")
        return offered(
            [Offer(_("Done"), Done(request.id)), Offer(release, Release(request.id))],
            [Offer(_("Cancel"), CancelRequest(request.id))],
        )
    return None


def line(_: Gettext, request: Request) -> str:
    icon = "🙋" if request.kind == RequestKind.ASK else "🎁"
    text = request.text if len(request.text) <= SNIPPET else request.text[: SNIPPET - 1] + "…"
    return f"{icon} #{request.id} {html.escape(text)} — <i>{_state(_, request)}</i>"
