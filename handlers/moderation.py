"""/ban, /unban and /announce: a coordinator's or facilitator's heavier tools.

A ban applies to the neighbourhood chat and every group of the neighbourhood,
now and for future join requests. An announcement is previewed first and
posted only after confirmation; its text is kept nowhere but in the messages.
"""

from __future__ import annotations

import html

from sqlalchemy import select
from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler

from bot.choices import DropAnnouncement, Offer, PostAnnouncement, offered
from bot.context import BuurtApplication, BuurtContext
from bot.i18n import Gettext
from bot.outbox import telegram_length
from handlers.buttons import chosen, no_longer_works, pattern
from handlers.commands import command_handler, command_name, words_of
from handlers.numbers import parse_row_id, parse_telegram_id
from handlers.oversight import scope
from handlers.people import ambiguous_name, person
from handlers.request_parsing import clean
from models import oversight
from models.entities import Group, GroupStatus, Neighbourhood, User
from models.people import Named, Person, by_username, lift_ban, record_ban, see_user
from models.texts import shows_nothing

ANNOUNCEMENT_MAX = 3500  # leaves room for the header within Telegram's 4096


async def _home(
    update: Update, context: BuurtContext, words: list[str]
) -> tuple[Neighbourhood | None, list[str]]:
    """The neighbourhood meant: this chat, or in a DM the number given first."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None, words
    if chat.type != ChatType.PRIVATE:
        return context.here.neighbourhood_chat, words
    home_id = parse_row_id(words[0]) if words else None
    if home_id is None:
        return None, words
    allowed = await scope(context, user.id)
    home = await context.session.get(Neighbourhood, home_id)
    if home is None or not home.active or (allowed is not None and home.id not in allowed):
        return None, words[1:]
    return home, words[1:]


async def _target(context: BuurtContext, message: Message, words: list[str]) -> Named:
    """A reply, a mention, a text mention or a user number."""
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        return Named(await see_user(context.session, person(reply.from_user), now=context.now))
    for entity, text in message.parse_entities().items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            return Named(await see_user(context.session, person(entity.user), now=context.now))
        if entity.type == MessageEntity.MENTION:
            return await by_username(context.session, text)
    user_id = parse_telegram_id(words[0]) if words else None
    return Named(await context.session.get(User, user_id) if user_id is not None else None)


async def _chats_of(context: BuurtContext, home: Neighbourhood) -> list[int]:
    found = await context.session.scalars(
        select(Group.chat_id).where(
            Group.neighbourhood_id == home.id, Group.status == GroupStatus.ACTIVE
        )
    )
    return [home.chat_id, *(chat_id for chat_id in found if chat_id is not None)]


def _usage(_: Gettext, command: str) -> str:
    return _(
        "Reply to a message of the person with /{command}, or mention them: /{command} @name. "
        "In our private chat, put the neighbourhood's number first: /{command} 3 @name",
        command=command,
    )


async def ban(update: Update, context: BuurtContext) -> None:
    await _ban_or_unban(update, context, banning=True)


async def unban(update: Update, context: BuurtContext) -> None:
    await _ban_or_unban(update, context, banning=False)


async def _ban_or_unban(update: Update, context: BuurtContext, *, banning: bool) -> None:
    message, actor = update.effective_message, update.effective_user
    if message is None or actor is None:
        return
    _ = context.gettext()
    command = "ban" if banning else "unban"
    spoken = command_name(command, _.language)
    home, words = await _home(update, context, words_of(update))
    named = await _target(context, message, words) if home is not None else Named(None)
    if named.ambiguous:
        mention = next((w for w in words if w.startswith("@")), "")
        context.reply(update, ambiguous_name(_, mention, spoken))
        return
    target = named.user
    if home is None or target is None:
        context.reply(update, _usage(_, spoken))
        return
    if target.id == actor.id or context.config.is_facilitator(target.id):
        context.reply(update, _("That is not something I can do."))
        return
    session = context.session
    if banning:
        await record_ban(session, home, person_of(target), now=context.now)
    else:
        await lift_ban(session, home, target.id)
    reason = clean(" ".join(w for w in words if not w.startswith("@") and not w.isdigit()))
    await oversight.audit(
        session,
        actor_id=actor.id,
        action=command,
        target=f"user {target.id}",
        neighbourhood_id=home.id,
        detail=reason or None,
        now=context.now,
    )
    for chat_id in await _chats_of(context, home):
        if banning:
            context.outbox.ban(chat_id, target.id)
        else:
            context.outbox.unban(chat_id, target.id)
    context.reply(
        update,
        _("{name} is banned from {title} and its groups.", name=target.first_name, title=home.title)
        if banning
        else _(
            "{name} may join {title} and its groups again.",
            name=target.first_name,
            title=home.title,
        ),
    )


def person_of(user: User) -> Person:
    return Person(user.id, user.first_name, user.username, user.language_code)


async def announce(update: Update, context: BuurtContext) -> None:
    """/announce <neighbourhood number> <text>: a preview with buttons, posted on confirmation."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    _ = context.gettext()
    parts = message.text.split(maxsplit=2)
    home, _rest = await _home(update, context, parts[1:2])
    text = parts[2].strip() if len(parts) > 2 else ""
    if home is None or shows_nothing(text):
        context.reply(
            update,
            _(
                "Please give the neighbourhood's number and the text, for example:\n"
                "/announce 3 The community centre is open again on Monday."
            ),
        )
        return
    if telegram_length(text) > ANNOUNCEMENT_MAX:
        context.reply(
            update, _("Please keep an announcement under {max} characters.", max=ANNOUNCEMENT_MAX)
        )
        return
    header = _("Preview of your announcement for {title}:", title=home.title)
    context.reply(
        update,
        f"{header}\n\n{html.escape(text)}",
        choices=offered(
            [
                Offer(_("Post it"), PostAnnouncement(home.id)),
                Offer(_("Cancel"), DropAnnouncement(home.id)),
            ]
        ),
    )


async def announce_pressed(update: Update, context: BuurtContext) -> None:
    found = chosen(update, PostAnnouncement, DropAnnouncement)
    user = update.effective_user
    _ = context.gettext()
    if found is None or user is None:
        no_longer_works(update, context)
        return
    query, choice = found
    dropped = isinstance(choice, DropAnnouncement)
    message = query.message
    allowed = await scope(context, user.id)
    home = await context.session.get(Neighbourhood, choice.neighbourhood)
    if (
        home is None
        or not home.active
        or (allowed is not None and home.id not in allowed)
        or not isinstance(message, Message)
        or message.text is None
        or "\n\n" not in message.text
    ):
        no_longer_works(update, context)
        return
    # A preview is decided once. A second press (a double tap, or Post right after Cancel)
    # still carries the preview as it was, so only the record can tell.
    marker = f"preview {message.chat.id}:{message.message_id}"
    for done in ("announce", "announce cancelled"):
        if await oversight.was_done(context.session, done, marker):
            no_longer_works(update, context)
            return
    await oversight.audit(
        context.session,
        actor_id=user.id,
        action="announce cancelled" if dropped else "announce",
        target=f"neighbourhood {home.id}",
        neighbourhood_id=home.id,
        detail=marker,
        now=context.now,
    )
    if dropped:
        context.answer(update)
        context.outbox.edit(message.chat.id, message.message_id, _("Not posted."))
        return
    text = message.text.split("\n\n", 1)[1]  # the preview is the one place the text lives
    context.answer(update, _("Posted."))
    context.outbox.send(home.chat_id, _("📣 {text}", text=text))
    context.outbox.edit(
        message.chat.id, message.message_id, _("Posted in {title}.", title=home.title)
    )


def register(app: BuurtApplication) -> None:
    app.add_handler(command_handler("ban", ban))
    app.add_handler(command_handler("unban", unban))
    app.add_handler(command_handler("announce", announce))
    app.add_handler(
        CallbackQueryHandler(announce_pressed, pattern=pattern(PostAnnouncement, DropAnnouncement))
    )
