"""/settings: see or change a neighbourhood's settings, as a coordinator or facilitator."""

from __future__ import annotations

from sqlalchemy import select
from telegram import Update
from telegram.constants import ChatType

from bot.context import BuurtApplication, BuurtContext
from bot.i18n import Gettext
from handlers.commands import arguments_of, command_handler
from handlers.numbers import parse_row_id
from handlers.oversight import scope
from models import nudges, oversight, settings
from models.entities import Coordinator, Neighbourhood, User
from models.people import by_username

#: A mistyped key is echoed this far: it may be a whole message long.
KEY_SHOWN = 40


def problem(_: Gettext, error: settings.SettingError) -> str:
    allowed = {
        "language": _("nl or en"),
        "timezone": _("a time zone such as Europe/Amsterdam"),
        "days": _("a number of days from 1 to 365"),
        "hours": _("two times like 21:00-09:00, or off"),
        "question": _("a question of at most 255 characters, or - for none"),
        "person": _("+@username or -@username (or a user number)"),
        "key": _(
            "one of language, timezone, nudge_after_days, quiet_hours, join_question, coordinators"
        ),
        "form": _("key=value, for example quiet_hours=22:00-08:00"),
        "quotes": _("a closing quote"),
    }[error.problem]
    return _(
        "I could not use {key}: expected {allowed}. Nothing was changed.",
        key=error.key if len(error.key) <= KEY_SHOWN else error.key[: KEY_SHOWN - 1] + "…",
        allowed=allowed,
    )


async def _coordinator_names(context: BuurtContext, home: Neighbourhood) -> str:
    names = await context.session.scalars(
        select(User.first_name)
        .join(Coordinator, Coordinator.user_id == User.id)
        .where(Coordinator.neighbourhood_id == home.id)
        .order_by(User.first_name)
    )
    return ", ".join(names) or "-"


async def view(_: Gettext, context: BuurtContext, home: Neighbourhood, *, in_dm: bool) -> str:
    """The settings, and how to change one: written the way this chat needs it."""
    quiet = (
        _("off") if home.quiet_start == home.quiet_end else f"{home.quiet_start}-{home.quiet_end}"
    )
    how = (
        _(
            "Change one with /settings {number} key=value. For example:\n"
            "/settings {number} join_question=In which street do you live?",
            number=home.id,
        )
        if in_dm
        else _(
            "Change one with /settings key=value. For example:\n"
            "/settings join_question=In which street do you live?"
        )
    )
    return (
        _(
            "<b>Settings of {title}</b> (#{number})\nlanguage={language}\ntimezone={timezone}\n"
            "nudge_after_days={days}\nquiet_hours={quiet}\njoin_question={question}\n"
            "coordinators={coordinators}",
            title=home.title,
            number=home.id,
            language=home.language,
            timezone=home.timezone,
            days=home.nudge_after_days,
            quiet=quiet,
            question=home.join_question or "-",
            coordinators=await _coordinator_names(context, home),
        )
        + f"\n\n{how}"
    )


async def _person(context: BuurtContext, who: str) -> User | None:
    """An @name's current holder, or a user number; None when it cannot be told."""
    if who.startswith("@"):
        return (await by_username(context.session, who)).user
    return await context.session.get(User, int(who))


async def _unknown_people(context: BuurtContext, changes: list[settings.Change]) -> list[str]:
    """Coordinators to add or remove whom the bot has never seen; checked before any change."""
    missing = []
    for change in changes:
        if change.key != "coordinators" or not isinstance(change.value, str):
            continue
        if await _person(context, change.value[1:]) is None:
            missing.append(change.value[1:])
    return missing


async def _apply(
    context: BuurtContext, home: Neighbourhood, change: settings.Change, actor: int
) -> None:
    session = context.session
    if change.key == "coordinators":
        assert isinstance(change.value, str)
        person = await _person(context, change.value[1:])
        assert person is not None  # checked by _unknown_people
        if change.value[0] == "+":
            await oversight.add_coordinator(session, home.id, person.id, actor, now=context.now)
        else:
            await oversight.remove_coordinator(session, home.id, person.id)
    elif change.key == "quiet_hours":
        assert isinstance(change.value, tuple)
        home.quiet_start, home.quiet_end = change.value
    elif change.key == "nudge_after_days":
        assert isinstance(change.value, int)
        home.nudge_after_days = change.value
        await nudges.reschedule(session, home)
    else:
        setattr(home, change.key, change.value)
    await oversight.audit(
        session,
        actor_id=actor,
        action=f"settings {change.key}",
        target=f"neighbourhood {home.id}",
        neighbourhood_id=home.id,
        detail=None if change.key == "join_question" else str(change.value),
        now=context.now,
    )


async def settings_command(update: Update, context: BuurtContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    _ = context.gettext()
    text = arguments_of(update)
    if chat.type == ChatType.PRIVATE:
        parts = text.split(maxsplit=1) or [""]
        number, text = parts[0], parts[1] if len(parts) > 1 else ""
        allowed = await scope(context, user.id)
        home_id = parse_row_id(number)
        home = await context.session.get(Neighbourhood, home_id) if home_id is not None else None
        if home is None or not home.active or (allowed is not None and home.id not in allowed):
            context.reply(
                update,
                _("Please give the number of your neighbourhood, for example: /settings 3"),
            )
            return
    else:
        home = context.here.neighbourhood_chat
        if home is None:
            return
    try:
        changes = settings.parse(text)
    except settings.SettingError as error:
        context.reply(update, problem(_, error))
        return
    missing = await _unknown_people(context, changes)
    if missing:
        context.reply(
            update,
            _(
                "I don't know {who} yet: they should send a message in the neighbourhood "
                "chat first. Nothing was changed.",
                who=", ".join(missing),
            ),
        )
        return
    for change in changes:
        await _apply(context, home, change, user.id)
    context.reply(update, await view(_, context, home, in_dm=chat.type == ChatType.PRIVATE))


def register(app: BuurtApplication) -> None:
    app.add_handler(command_handler("settings", settings_command))
