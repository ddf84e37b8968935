"""The command table: one list drives registration, /help and Telegram's command menus.

Handlers are registered through `command_handler`, which looks the command up
here, so a command cannot exist without a description and a place in /help.
It also answers a command used in the wrong kind of chat, once, for all.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.ext import CommandHandler

from bot.context import BuurtContext
from bot.facts import Need
from bot.here import Where, Who
from bot.i18n import LANGUAGES, N_, Gettext, Translator
from handlers.people import act_as_yourself, is_anonymous
from handlers.request_parsing import clean
from handlers.roles import RESTRICTED, roles

Callback = Callable[[Update, BuurtContext], Awaitable[None]]


@dataclass(frozen=True)
class Use:
    """One place a command works, for whom, and how /help writes it there."""

    where: Where
    who: Who
    description: str
    #: The arguments as shown in /help, e.g. "<title>"; translated like the description.
    usage: str = ""
    #: Whether /help and the menus offer it there; /setup in a neighbourhood is done.
    listed: bool = True


@dataclass(frozen=True)
class Command:
    name: str
    #: The Dutch name: it works for everyone, and Dutch readers are shown it.
    dutch: str
    description: str
    where: Where
    who: Who
    usage: str = ""
    #: A translatable example, shown when the command is used in the wrong place.
    example: str | None = None
    #: Whether someone writing anonymously or as a channel may use it: only where it
    #: makes nobody the owner, asker, helper or coordinator of anything.
    anonymous: bool = False
    #: Other places it works, for other people or written otherwise.
    also: tuple[Use, ...] = ()

    @property
    def uses(self) -> tuple[Use, ...]:
        return (Use(self.where, self.who, self.description, self.usage), *self.also)

    @property
    def places(self) -> Where:
        """Everywhere it works, for someone."""
        return functools.reduce(operator.or_, (use.where for use in self.uses))

    def name_in(self, language: str) -> str:
        return self.dutch if language == "nl" else self.name


TABLE: tuple[Command, ...] = (
    Command("start", "start", N_("Welcome and what I can do"), Where.ANYWHERE, Who.EVERYONE),
    Command(
        "help",
        "hulp",
        N_("The commands you can use here"),
        Where.ANYWHERE,
        Who.EVERYONE,
        anonymous=True,
    ),
    Command(
        "setup",
        "aanmelden",
        N_("Register this chat as a neighbourhood"),
        Where.OTHER,
        Who.CHAT_ADMIN,
        anonymous=True,  # the chat's admins become coordinators, not the sender
        # Once set up, it only says so: no longer offered there.
        also=(Use(Where.NEIGHBOURHOOD, Who.CHAT_ADMIN, "", listed=False),),
    ),
    Command(
        "newgroup",
        "nieuwegroep",
        N_("Start a small group for one purpose"),
        Where.NEIGHBOURHOOD | Where.PRIVATE,
        Who.EVERYONE,
        usage=N_("[-private] <title>"),
    ),
    Command(
        "groups",
        "groepen",
        N_("The groups you can join, or your own groups"),
        Where.NEIGHBOURHOOD | Where.PRIVATE,
        Who.EVERYONE,
        anonymous=True,
    ),
    Command(
        "mine",
        "mijn",
        N_("Your groups and your part in them"),
        Where.PRIVATE,
        Who.EVERYONE,
    ),
    Command(
        "ask",
        "vraag",
        N_("Ask neighbours for a hand"),
        Where.NEIGHBOURHOOD | Where.GROUP,
        Who.EVERYONE,
        usage=N_("[for <name>:] <what you need>"),
        example=N_("/ask help carrying groceries on Friday"),
    ),
    Command(
        "offer",
        "aanbod",
        N_("Offer neighbours a hand"),
        Where.NEIGHBOURHOOD | Where.GROUP,
        Who.EVERYONE,
        usage=N_("<what you offer>"),
        example=N_("/offer I can lend a ladder"),
    ),
    Command(
        "requests",
        "verzoeken",
        N_("The open requests in this chat"),
        Where.NEIGHBOURHOOD | Where.GROUP,
        Who.EVERYONE,
        anonymous=True,
    ),
    Command(
        "cancel",
        "weghalen",
        N_("Take down someone's request, with a reason"),
        Where.NEIGHBOURHOOD | Where.GROUP,
        Who.COORDINATOR,
        usage=N_("<number> <reason>"),
    ),
    Command(
        "invite",
        "uitnodigen",
        N_("Invite a neighbour to this group"),
        Where.GROUP,
        Who.EVERYONE,
    ),
    Command(
        "members",
        "leden",
        N_("Who is in this group"),
        Where.GROUP,
        Who.EVERYONE,
        anonymous=True,
    ),
    Command(
        "dissolve",
        "afsluiten",
        N_("End this group (owner)"),
        Where.GROUP,
        Who.EVERYONE,
        also=(
            Use(
                Where.PRIVATE,
                Who.FACILITATOR,
                N_("End a group, and tell its members why"),
                N_("<group number> <reason>"),
            ),
        ),
    ),
    Command(
        "overview",
        "overzicht",
        N_("Every neighbourhood in numbers, quietest first"),
        Where.PRIVATE,
        Who.COORDINATOR,
    ),
    Command(
        "quiet",
        "stil",
        N_("What needs attention, and why"),
        Where.PRIVATE,
        Who.COORDINATOR,
    ),
    Command(
        "group",
        "groep",
        N_("Facts about one group"),
        Where.PRIVATE,
        Who.FACILITATOR,
        usage=N_("<group number>"),
    ),
    Command(
        "nudge",
        "herinneren",
        N_("Ask a group now whether it is still useful"),
        Where.PRIVATE,
        Who.COORDINATOR,
        usage=N_("<group number>"),
    ),
    Command(
        "settings",
        "instellingen",
        N_("See or change a neighbourhood's settings"),
        Where.PRIVATE | Where.NEIGHBOURHOOD,
        Who.COORDINATOR,
        usage=N_("[<neighbourhood number>] [key=value …]"),
    ),
    Command(
        "announce",
        "aankondigen",
        N_("Post a message in a neighbourhood chat, after a preview"),
        Where.PRIVATE,
        Who.COORDINATOR,
        usage=N_("<neighbourhood number> <text>"),
    ),
    Command(
        "ban",
        "uitsluiten",
        N_("Keep someone out of the neighbourhood and its groups"),
        Where.NEIGHBOURHOOD,
        Who.COORDINATOR,
        usage=N_("<reply, @name or number> [reason]"),
        also=(
            Use(
                Where.PRIVATE,
                Who.COORDINATOR,
                N_("Keep someone out of the neighbourhood and its groups"),
                N_("<neighbourhood number> <@name or number> [reason]"),
            ),
        ),
    ),
    Command(
        "unban",
        "toelaten",
        N_("Let someone back in"),
        Where.NEIGHBOURHOOD,
        Who.COORDINATOR,
        usage=N_("<reply, @name or number>"),
        also=(
            Use(
                Where.PRIVATE,
                Who.COORDINATOR,
                N_("Let someone back in"),
                N_("<neighbourhood number> <@name or number>"),
            ),
        ),
    ),
    Command(
        "report",
        "verslag",
        N_("A chart and a table of the last 12 weeks"),
        Where.PRIVATE,
        Who.COORDINATOR,
    ),
    Command(
        "audit",
        "logboek",
        N_("The latest actions of coordinators and facilitators"),
        Where.PRIVATE,
        Who.COORDINATOR,
        usage=N_("[how many]"),
    ),
)
BY_NAME = {command.name: command for command in TABLE}

#: Every name a command answers to, English and Dutch.
BY_ANY_NAME = {name: command for command in TABLE for name in (command.name, command.dutch)}


def needs(name: str, arguments: str) -> frozenset[Need]:
    """What the messenger must tell about a group chat before this command is handled.

    Roles decide who may use a command (handlers/roles.py), and a chat's admin is one;
    /setup and a group's link also read the bot's rights and the chat's admins.
    """
    command = BY_ANY_NAME.get(name.lower())
    if command is None:
        return frozenset()
    if command.name == "setup":
        return frozenset(Need)
    if command.name == "start":
        return frozenset({Need.BOT_RIGHTS, Need.ADMINS}) if arguments else frozenset()
    judged = (Who.CHAT_ADMIN, *RESTRICTED)
    if command.name == "help" or any(use.who in judged for use in command.uses):
        return frozenset({Need.SENDER_IS_ADMIN})
    return frozenset()


WRONG_CHAT = {
    Where.PRIVATE: N_("Please use /{command} in a private chat with me."),
    Where.GROUP: N_("/{command} works in a group that was started with /newgroup."),
    Where.GROUP | Where.PRIVATE: N_("/{command} works in a group that was started with /newgroup."),
    Where.NEIGHBOURHOOD | Where.PRIVATE: N_(
        "Please use /{command} in your neighbourhood's group chat or in a private chat with me."
    ),
    Where.NEIGHBOURHOOD | Where.OTHER: N_(
        "Please use /{command} in your neighbourhood's group chat."
    ),
    Where.NEIGHBOURHOOD | Where.GROUP: N_(
        "Please use /{command} in your neighbourhood's chat or in one of its groups."
    ),
}


def arguments_of(update: Update) -> str:
    """What follows the command, cleaned of control characters (PostgreSQL refuses NUL)."""
    text = update.effective_message.text if update.effective_message else None
    parts = (text or "").split(maxsplit=1)
    return clean(parts[1]) if len(parts) > 1 else ""


def words_of(update: Update) -> list[str]:
    return arguments_of(update).split()


def command_name(name: str, language: str) -> str:
    """How a reply in `language` names a command of the table: /vraag in Dutch, /ask else."""
    return BY_NAME[name].name_in(language)


def command_handler(name: str, callback: Callback) -> CommandHandler[BuurtContext, None]:
    """A CommandHandler for a command of the table, under both its names, with the checks
    of who may use it where in front."""
    command = BY_NAME[name]

    async def guarded(update: Update, context: BuurtContext) -> None:
        if update.effective_message is None or update.effective_chat is None:
            return
        if not command.anonymous and is_anonymous(update):
            if command.places & Where.GROUP_CHATS:  # else: the silence of an unknown command
                _ = context.gettext()
                context.reply(update, act_as_yourself(_, command.name_in(_.language)))
            return
        where = context.here.where
        for use in command.uses:
            if not use.where & where:
                continue
            if use.who in RESTRICTED and use.who not in await roles(update, context):
                continue
            await callback(update, context)
            return
        await _refuse(update, context, command, where)

    return CommandHandler(sorted({command.name, command.dutch}), guarded)


async def _refuse(update: Update, context: BuurtContext, command: Command, where: Where) -> None:
    """No use of the command fits here, or this person: say so, or say nothing."""
    _ = context.gettext()
    spoken = command.name_in(_.language)
    if command.who in RESTRICTED and command.who not in await roles(update, context):
        if where is Where.PRIVATE:  # exactly what an unknown command gets: nothing revealed
            context.reply(update, unknown_command(_))
        elif command.who is Who.COORDINATOR and command.where & where & Where.NEIGHBOURHOOD_CHATS:
            # Here everyone knows the neighbourhood and its coordinators: say so kindly.
            context.reply(
                update,
                _("Only coordinators of this neighbourhood can use /{command}.", command=spoken),
            )
        return  # elsewhere: the silence unknown commands get in groups
    text = _(WRONG_CHAT[command.places], command=spoken)
    if command.example:
        text += "\n" + _("For example: {example}", example=_(command.example))
    context.reply(update, text)


def unknown_command(_: Gettext) -> str:
    return _("Sorry, I don't know that command. Send /help to see what I can do.")


def visible(where: Where, roles: set[Who]) -> list[tuple[Command, Use]]:
    """What someone with `roles` is offered in a chat of kind `where`: one use per command."""
    found = []
    for command in TABLE:
        offered = (u for u in command.uses if u.listed and u.where & where and u.who in roles)
        use = next(offered, None)
        if use is not None:
            found.append((command, use))
    return found


MENU_SCOPES = (
    (BotCommandScopeAllPrivateChats(), Where.PRIVATE, {Who.EVERYONE}),
    (BotCommandScopeAllGroupChats(), Where.GROUP_CHATS, {Who.EVERYONE}),
    (
        BotCommandScopeAllChatAdministrators(),
        Where.GROUP_CHATS,
        {Who.EVERYONE, Who.CHAT_ADMIN},
    ),
)


def menus(translator: Translator) -> list[tuple[BotCommandScope, str | None, list[BotCommand]]]:
    """Telegram's command menus per scope and client language: Dutch names for Dutch
    clients, English for every other (None: Telegram's fallback)."""
    result: list[tuple[BotCommandScope, str | None, list[BotCommand]]] = []
    for scope, where, who in MENU_SCOPES:
        for language, shown in ((None, "en"), *((code, code) for code in LANGUAGES)):
            _ = translator.get(shown)
            commands = [
                BotCommand(c.name_in(shown), _(use.description)) for c, use in visible(where, who)
            ]
            result.append((scope, language, commands))
    return result
