"""How /audit reads: one short sentence per action, with names and local times.

The log stores plain keys ("ban", "group 12"); this turns them into the
reader's words, on the clock of the neighbourhood where the action happened.
"""

from __future__ import annotations

from datetime import datetime

from bot.i18n import Gettext
from bot.text import Markup, plain
from handlers.dates import moment_text
from models.audit import Action


def _target(_: Gettext, action: Action) -> str:
    if action.kind == "group":
        return _("group <b>{title}</b> (#{number})", title=action.name or "?", number=action.number)
    if action.kind == "neighbourhood":
        return _(
            "neighbourhood <b>{title}</b> (#{number})",
            title=action.name or "?",
            number=action.number,
        )
    if action.kind == "request":
        return _("request #{number}", number=action.number)
    return plain(action.name) if action.name else _("someone")


def _sentence(_: Gettext, action: Action) -> str:
    entry = action.entry
    values = {
        "who": action.actor or _("Someone"),
        "what": Markup(_target(_, action)),
        "where": action.neighbourhood.title if action.neighbourhood else "?",
    }
    if entry.action.startswith("settings "):  # the key as /settings takes it, a command word
        key = entry.action.removeprefix("settings ")
        change = f"{key}={entry.detail}" if entry.detail else key
        return _("{who} changed a setting of {what}: {change}", change=change, **values)
    sentences = {
        "setup": _("{who} set up {what}.", **values),
        "ban": _("{who} banned {what} from {where}.", **values),
        "unban": _("{who} let {what} back into {where}.", **values),
        "nudge": _("{who} asked {what} whether it is still useful.", **values),
        "dissolve": _("{who} ended {what}.", **values),
        "cancel request": _("{who} took down {what}.", **values),
        "announce": _("{who} posted an announcement in {what}.", **values),
        "announce cancelled": _("{who} decided not to post an announcement in {what}.", **values),
        "approve join": _("{who} let a neighbour into {what}.", **values),
        "decline join": _("{who} declined a request to join {what}.", **values),
    }
    unknown = f"{plain(values['who'])}: {plain(entry.action)} {plain(entry.target)}"
    return sentences.get(entry.action, unknown)


def _reason(_: Gettext, action: Action) -> str | None:
    """The reason given for a ban or an ending; other details are not for this list."""
    detail = action.entry.detail
    if detail and action.entry.action in ("ban", "unban", "dissolve"):
        return _("Reason: {reason}", reason=detail)
    return None


def actions_text(_: Gettext, actions: list[Action], now: datetime, timezone: str) -> str:
    """The latest actions; `timezone` is for those that no neighbourhood's clock tells."""
    lines = [_("<b>Latest actions</b>")]
    for action in actions:
        zone = action.neighbourhood.timezone if action.neighbourhood else timezone
        line = f"• {moment_text(_, action.entry.at, now, zone)}: {_sentence(_, action)}"
        reason = _reason(_, action)
        lines.append(f"{line} {reason}" if reason else line)
    return "\n".join(lines)
