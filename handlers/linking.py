"""Linking a new group chat to its pending group, and following the bot's place in it.

The normal path: the resident adds the bot through the /newgroup button, and
Telegram posts `/start@bot <token>` in the new chat. Some clients drop the
token; then, after a short wait, the adder's only pending group is linked (or
the bot asks which one). The wait is kept in the database (models/linking.py),
so a restart during it does not leave the chat unlinked.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

from telegram import Bot, ChatMemberAdministrator, ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, ChatMemberHandler

from bot import here
from bot.choices import LinkChosen, Offer, offered
from bot.context import BuurtApplication, BuurtContext, Services, UpdateScope
from bot.facts import NONE, Facts, Need, Rights
from bot.here import Here, Where
from bot.i18n import Gettext, Translator
from bot.logs import chat_in_log
from bot.outbox import Outbox
from bot.processor import unit_of_work
from handlers import membership
from handlers.buttons import chosen, no_longer_works, pattern
from handlers.people import act_as_yourself, person
from handlers.receipts import InviteLinkMade
from models import groups, linking
from models.entities import Group, Neighbourhood, User
from models.people import is_person, see_user

log = logging.getLogger(__name__)

GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
INVITE_LINK_NAME_MAX = 32


#: What the bot must know before it links a chat: it greets with what it may do there.
LINK_NEEDS = frozenset({Need.BOT_RIGHTS, Need.ADMINS})
#: Presses whose flow needs facts from the messenger (see bot/facts.py).
PRESS_NEEDS: dict[type, frozenset[Need]] = {LinkChosen: LINK_NEEDS}


def _rights(member: object) -> tuple[bool, bool]:
    if isinstance(member, ChatMemberAdministrator):
        return member.can_invite_users, member.can_restrict_members
    return False, False


def link_problem(_: Gettext, code: str) -> str:
    messages = {
        "not_owner": _(
            "This link belongs to someone else: only the person who made it can use it."
        ),
        "used": _(
            "This link has already been used. To start another group, send /newgroup in your "
            "neighbourhood's chat."
        ),
        "expired": _(
            "This link has expired: links work for 48 hours. Please start again with /newgroup."
        ),
        "unplaced": _("First choose the neighbourhood of this group, in our private chat."),
        "chat_linked": _("This chat is already a group. A new purpose needs a new group chat."),
        "neighbourhood_chat": _(
            "This is a neighbourhood chat. A group needs a group chat of its own."
        ),
        "private_chat": _("A group needs a group chat of its own, not a private chat."),
        "anonymous": act_as_yourself(_, "start"),
    }
    return messages.get(code, _("I don't recognise this link. Please start again with /newgroup."))


async def create_invite_link(bot: Bot, scope: UpdateScope, group: Group) -> str | None:
    """A join-request link, so the bot decides who gets in; None if Telegram says no."""
    assert group.chat_id is not None
    try:
        link = await bot.create_chat_invite_link(
            group.chat_id, name=group.title[:INVITE_LINK_NAME_MAX], creates_join_request=True
        )
    except TelegramError:
        log.warning(
            "could not create an invite link in %s", chat_in_log(group.chat_id), exc_info=True
        )
        return None
    await groups.add_invite_link(scope.session, group, link.invite_link, now=scope.now)
    return link.invite_link


def make_invite_link(outbox: Outbox, group: Group, chat_id: int) -> None:
    """Made by the courier once the transaction is over, and kept by its receipt."""
    outbox.make_invite_link(chat_id, group.title[:INVITE_LINK_NAME_MAX], InviteLinkMade(group.id))


def intro(_: Gettext) -> str:
    return _(
        "Hello! I'm buurtbot. I help neighbours ask for and offer help, and start small "
        "groups for one purpose. A chat admin can register this chat with /setup. "
        "Send /help to see what you can do."
    )


def missing_rights(_: Gettext, invite: bool, restrict: bool) -> str:
    missing = [
        right
        for right, present in (
            (_("invite users via link"), invite),
            (_("ban users"), restrict),
        )
        if not present
    ]
    return _(
        "Please make me an admin of this chat with these rights: {rights}. "
        "I need them to let neighbours in and to keep others out.",
        rights=", ".join(missing),
    )


async def complete_link(
    scope: UpdateScope,
    translator: Translator,
    group: Group,
    chat_id: int,
    user_id: int,
    facts: Facts,
) -> None:
    """Link, greet, and make the invite link when the bot already has the rights.

    The group speaks its neighbourhood's language from its first word, whoever made it.
    `facts` holds the bot's rights and the chat's admins, asked before the transaction.
    """
    rights = facts.bot_rights or Rights()
    invite, restrict = rights.invite, rights.restrict
    await groups.link(scope.session, group, chat_id, user_id, now=scope.now)
    for admin in facts.admins or ():
        await see_user(scope.session, admin, now=scope.now)
        await groups.join(scope.session, group, admin.id, now=scope.now)
    groups.set_rights(group, invite=invite, restrict=restrict)
    neighbourhood = await scope.session.get(Neighbourhood, group.neighbourhood_id)
    scope.here = Here(Where.GROUP, neighbourhood, group)  # the chat is the group's now
    scope.roles = None
    _ = translator.choose(neighbourhood.language if neighbourhood else None)
    text = _(
        "Welcome to <b>{title}</b>, a group of the neighbourhood {neighbourhood}! "
        "Only residents of the neighbourhood can join. End the group with /dissolve "
        "when its purpose is done.",
        title=group.title,
        neighbourhood=neighbourhood.title if neighbourhood else "",
    )
    if restrict:
        scope.outbox.close_invites(chat_id)
    if invite and restrict:
        make_invite_link(scope.outbox, group, chat_id)
        text += "\n\n" + _("Invite neighbours with /invite.")
    else:
        text += "\n\n" + missing_rights(_, invite, restrict)
    scope.outbox.send(chat_id, text)


async def link_by_token(update: Update, context: BuurtContext, token: str) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or context.scope is None:
        return
    await linking.stop_waiting(context.session, chat.id)  # no guessing for this chat
    _ = context.gettext()
    group = await groups.by_token(context.session, token)
    if group is not None and group.chat_id == chat.id:
        return  # linked a moment ago, by the fallback; the token adds nothing
    if group is None:
        context.reply(update, link_problem(_, "unknown"))
        return
    await see_user(context.session, person(user), now=context.now)
    try:
        await complete_link(
            context.scope,
            context.services.translator,
            group,
            chat.id,
            user.id,
            context.facts,
        )
    except groups.GroupError as error:
        context.reply(update, link_problem(_, error.code))


async def _group_changed(context: BuurtContext, group: Group, change: ChatMemberUpdated) -> None:
    session, chat = context.session, change.chat
    if change.new_chat_member.status in GONE:
        with contextlib.suppress(groups.GroupError):  # already dissolved a moment ago
            await groups.dissolve(
                session, group, by=None, reason="the bot was removed from the chat", now=context.now
            )
        log.info("removed from group %s; the group is dissolved", chat_in_log(chat.id))
        return
    invite, restrict = _rights(change.new_chat_member)
    if (invite, restrict) == (group.bot_can_invite, group.bot_can_restrict):
        return
    if restrict and not group.bot_can_restrict:
        context.outbox.close_invites(chat.id)
        await membership.take_out_refused(context, group)
    groups.set_rights(group, invite=invite, restrict=restrict)
    _ = context.gettext()
    if not (invite and restrict):
        context.outbox.send(chat.id, missing_rights(_, invite, restrict))
        return
    if await groups.current_invite_link(session, group) is None:
        make_invite_link(context.outbox, group, chat.id)
    context.outbox.send(
        chat.id, _("Thank you, I can let neighbours in now. Invite them with /invite.")
    )


async def bot_status(update: Update, context: BuurtContext) -> None:
    """The bot was added, promoted, demoted or removed somewhere."""
    change = update.my_chat_member
    if change is None or change.chat.type == ChatType.PRIVATE:
        return
    session, chat = context.session, change.chat
    if change.new_chat_member.status in GONE:
        await linking.stop_waiting(session, chat.id)
    group = context.here.group
    if group is not None:
        await _group_changed(context, group, change)
        return
    added = change.old_chat_member.status in GONE and change.new_chat_member.status not in GONE
    if not added or context.here.neighbourhood_chat is not None:
        return
    if await groups.any_in_chat(session, chat.id) is not None:
        _ = context.gettext()
        context.outbox.send(
            chat.id,
            _(
                "This chat's group has ended. To start a new one, send /newgroup in your "
                "neighbourhood's chat."
            ),
        )
        return
    if not is_person(change.from_user.id):
        return  # an anonymous admin is no one owner: they link with the /newgroup button
    wait = context.config.groups.payload_wait_seconds
    due = context.now + timedelta(seconds=wait)
    await linking.wait_for_token(session, chat.id, change.from_user.id, due)
    wake_in(context.services, wait)


def wake_in(services: Services, seconds: float) -> None:
    """Look for waits that are over in `seconds`; what is over is read from the database."""

    async def waits_over() -> None:
        await link_waiting_chats(services, services.clock.now())

    services.timer.once(seconds, waits_over, "link without a token")


async def after_restart(services: Services) -> None:
    """Waits stored before a restart end when they would have (at once, if they are over)."""
    async with services.session() as session:
        due = await linking.due_times(session)
    now = services.clock.now()
    for moment in due:
        wake_in(services, max((moment - now).total_seconds(), 0.0))


async def link_waiting_chats(services: Services, now: datetime) -> int:
    """Fall back for each chat whose wait for a token is over, each in its own transaction."""
    done = 0
    asked: set[int] = set()
    while True:
        async with services.session() as session:
            chat_id = await linking.next_due(session, now, asked)
        if chat_id is None:
            return done
        asked.add(chat_id)
        # What linking needs to know is asked before the transaction, not inside it.
        facts = await services.chat_facts(chat_id, LINK_NEEDS) if services.chat_facts else NONE
        async with unit_of_work(services, now) as scope:
            waiting = await linking.take_due(scope.session, chat_id, now)
            if waiting is None:
                continue  # a token came meanwhile, or the bot left
            await _link_without_token(services, scope, chat_id, waiting.added_by, facts)
        done += 1


async def _link_without_token(
    services: Services, scope: UpdateScope, chat_id: int, user_id: int, facts: Facts
) -> None:
    """No token came: link the adder's only pending group, or ask which one."""
    session = scope.session
    if (await here.resolve(session, chat_id, private=False)).where is not Where.OTHER:
        return  # linked meanwhile, or made a neighbourhood with /setup
    user = await session.get(User, user_id)
    _ = services.translator.choose(user.language_code if user else None)
    pending = await groups.pending_of(session, user_id, now=scope.now)
    if len(pending) == 1:
        try:
            await complete_link(scope, services.translator, pending[0], chat_id, user_id, facts)
        except groups.GroupError as error:
            scope.outbox.send(chat_id, link_problem(_, error.code))
    elif pending:
        rows = [[Offer(group.title, LinkChosen(group.id))] for group in pending]
        scope.outbox.send(
            chat_id,
            _("Which of your groups is this chat for?"),
            choices=offered(*rows),
        )
    else:
        scope.outbox.send(chat_id, intro(_))


async def link_chosen(update: Update, context: BuurtContext) -> None:
    found = chosen(update, LinkChosen)
    user, chat = update.effective_user, update.effective_chat
    _ = context.gettext()
    if found is None or user is None or chat is None or context.scope is None:
        no_longer_works(update, context)
        return
    query, choice = found
    group = await context.session.get(Group, choice.group)
    if group is None:
        no_longer_works(update, context)
        return
    if group.owner_id != user.id:
        context.answer(update, _("Only the person who made this group can choose."))
        return
    if chat.type == ChatType.PRIVATE:  # a forged press: Telegram lists no admins there
        context.answer(update, link_problem(_, "private_chat"), show_alert=True)
        return
    try:
        await complete_link(
            context.scope,
            context.services.translator,
            group,
            chat.id,
            user.id,
            context.facts,
        )
    except groups.GroupError as error:
        context.answer(update, link_problem(_, error.code), show_alert=True)
        return
    context.answer(update)
    message = query.message
    if message is not None:
        context.outbox.remove_buttons(message.chat.id, message.message_id)


def register(app: BuurtApplication) -> None:
    app.add_handler(ChatMemberHandler(bot_status, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CallbackQueryHandler(link_chosen, pattern=pattern(LinkChosen)))
