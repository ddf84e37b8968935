"""How a request looks in its chat: the card, and the lines of /requests.

The card is the one source of truth in the chat; every change edits it.
"""

from __future__ import annotations

import html

from babel.dates import format_date
from telegram import InlineKeyboardMarkup

from bot.i18n import Gettext, Html
from handlers.buttons import button, keyboard
from models import requests
from models.entities import Request, RequestKind, RequestState

SNIPPET = 60


def _state(_: Gettext, request: Request) -> str:
    if requests.ended_with_its_group(request):
        return _("Closed: the group has ended.")
    claimer = request.claimer.first_name if request.claimer else "?"
    if request.state == RequestState.OPEN:
        if request.kind == RequestKind.ASK:
            return _("Open: who can help?")
        return _("Open: who is interested?")
    if request.state == RequestState.CLAIMED:
        if request.kind == RequestKind.ASK:
            return _("{name} is on it.", name=claimer)
        return _("{name} is interested.", name=claimer)
    if request.state == RequestState.DONE:
        return _("Done by {name}. Thank you! 💚", name=claimer)
    if request.cancel_reason:
        return _("Cancelled: {reason}", reason=request.cancel_reason)
    return _("Cancelled.")


def due_text(_: Gettext, request: Request) -> str | None:
    if request.due is None:
        return None
    return format_date(request.due, "EEEE d MMMM", locale=_.language)


def card(_: Gettext, request: Request) -> tuple[str, InlineKeyboardMarkup | None]:
    head = (
        _("🙋 <b>Ask</b> #{number}", number=request.id)
        if request.kind == RequestKind.ASK
        else _("🎁 <b>Offer</b> #{number}", number=request.id)
    )
    lines = [head, html.escape(request.text)]
    if request.on_behalf_of:
        lines.append(_("For: {name}", name=request.on_behalf_of))
    lines.append(_("By: {name}", name=request.asker.first_name))
    when = due_text(_, request)
    if when:
        lines.append(_("When: {date}", date=when))
    lines.append(Html(f"<i>{_state(_, request)}</i>"))
    return "\n".join(lines), buttons(_, request)


def buttons(_: Gettext, request: Request) -> InlineKeyboardMarkup | None:
    if request.state == RequestState.OPEN:
        take = _("I'll do it") if request.kind == RequestKind.ASK else _("I'm interested")
        return keyboard(
            [button(take, "rq", "c", request.id), button(_("Cancel"), "rq", "x", request.id)]
        )
    if request.state == RequestState.CLAIMED:
        return keyboard(
            [button(_("Done"), "rq", "d", request.id), button(_("Release"), "rq", "r", request.id)],
            [button(_("Cancel"), "rq", "x", request.id)],
        )
    return None


def line(_: Gettext, request: Request) -> str:
    icon = "🙋" if request.kind == RequestKind.ASK else "🎁"
    text = request.text if len(request.text) <= SNIPPET else request.text[: SNIPPET - 1] + "…"
    return f"{icon} #{request.id} {html.escape(text)} — <i>{_state(_, request)}</i>"
