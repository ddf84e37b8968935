"""The command table: one list drives registration, /help and Telegram's command menus.

Handlers are registered through `command_handler`, which looks the command up
here, so a command cannot exist without a description and a place in /help.
It also answers a command used in the wrong kind of chat, once, for all.
"""

from __future__ import annotations

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
from bot.i18n import LANGUAGES, N_, Gettext, Translator
from handlers.people import act_as_yourself, is_anonymous
from handlers.request_parsing import clean
from handlers.roles import RESTRICTED, Where, Who, chat_where, roles

Callback = Callable[[Update, BuurtContext], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    where: Where
    who: Who
    #: The arguments as shown in /help, e.g. "<title>"; never translated.
    usage: str = ""
    #: A translatable example, shown when the command is used in the wrong place.
    example: str | None = None
    #: Whether someone writing anonymously or as a channel may use it: only where it
    #: makes nobody the owner, asker, helper or coordinator of anything.
    anonymous: bool = False


TABLE: tuple[Command, ...] = (
    Command("start", N_("Welcome and what I can do"), Where.ANYWHERE, Who.EVERYONE),
    Command(
        "help",
        N_("The commands you can use here"),
        Where.ANYWHERE,
        Who.EVERYONE,
        anonymous=True,
    ),
    Command(
        "setup",
        N_("Register this chat as a neighbourhood"),
        Where.NEIGHBOURHOOD | Where.OTHER,
        Who.CHAT_ADMIN,
        anonymous=True,  # the chat's admins become coordinators, not the sender
    ),
    Command(
        "newgroup",
        N_("Start a small group for one purpose"),
        Where.NEIGHBOURHOOD | Where.PRIVATE,
        Who.EVERYONE,
        usage="[-private] <title>",
    ),
    Command(
        "groups",
        N_("The groups you can join, or your own groups"),
        Where.NEIGHBOURHOOD | Where.PRIVATE,
        Who.EVERYONE,
        anonymous=True,
    ),
    Command("mine", N_("Your groups and your part in them"), Where.PRIVATE, Who.EVERYONE),
    Command(
        "ask",
        N_("Ask neighbours for a hand"),
        Where.NEIGHBOURHOOD | Where.GROUP,
        Who.EVERYONE,
        usage="[for <name>:] <what you need>",
        example=N_("/ask help carrying groceries on Friday"),
    ),
    Command(
        "offer",
        N_("Offer neighbours a hand"),
        Where.NEIGHBOURHOOD | Where.GROUP,
        Who.EVERYONE,
        usage="<what you offer>",
        example=N_("/offer I can lend a ladder"),
    ),
    Command(
        "requests",
        N_("The open requests in this chat"),
        Where.NEIGHBOURHOOD | Where.GROUP,
        Who.EVERYONE,
        anonymous=True,
    ),
    Command(
        "cancel",
        N_("Take down someone's request, with a reason"),
        Where.NEIGHBOURHOOD | Where.GROUP,
        Who.COORDINATOR,
        usage="<number> <reason>",
    ),
    Command("invite", N_("Invite a neighbour to this group"), Where.GROUP, Who.EVERYONE),
    Command("members", N_("Who is in this group"), Where.GROUP, Who.EVERYONE, anonymous=True),
    Command(
        "dissolve",
        N_("End this group (owner)"),
        Where.GROUP | Where.PRIVATE,
        Who.EVERYONE,
    ),
    Command(
        "overview",
        N_("Every neighbourhood in numbers, quietest first"),
        Where.PRIVATE,
        Who.COORDINATOR,
    ),
    Command("quiet", N_("What needs attention, and why"), Where.PRIVATE, Who.COORDINATOR),
    Command("group", N_("Facts about one group"), Where.PRIVATE, Who.FACILITATOR, usage="<number>"),
    Command(
        "nudge",
        N_("Ask a group now whether it is still useful"),
        Where.PRIVATE,
        Who.COORDINATOR,
        usage="<group number>",
    ),
    Command(
        "settings",
        N_("See or change a neighbourhood's settings"),
        Where.PRIVATE | Where.NEIGHBOURHOOD,
        Who.COORDINATOR,
        usage="[<neighbourhood number>] [key=value …]",
    ),
    Command(
        "announce",
        N_("Post a message in a neighbourhood chat, after a preview"),
        Where.PRIVATE,
        Who.COORDINATOR,
        usage="<neighbourhood number> <text>",
    ),
    Command(
        "ban",
        N_("Keep someone out of the neighbourhood and its groups"),
        Where.PRIVATE | Where.NEIGHBOURHOOD,
        Who.COORDINATOR,
        usage="<reply, @name or number> [reason]",
    ),
    Command(
        "unban",
        N_("Let someone back in"),
        Where.PRIVATE | Where.NEIGHBOURHOOD,
        Who.COORDINATOR,
        usage="<reply, @name or number>",
    ),
    Command(
        "report", N_("A chart and a table of the last 12 weeks"), Where.PRIVATE, Who.COORDINATOR
    ),
    Command(
        "audit",
        N_("The latest actions of coordinators and facilitators"),
        Where.PRIVATE,
        Who.COORDINATOR,
        usage="[n]",
    ),
)
BY_NAME = {command.name: command for command in TABLE}

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


def command_handler(name: str, callback: Callback) -> CommandHandler[BuurtContext, None]:
    """A CommandHandler for a command of the table, with the chat-kind check in front."""
    command = BY_NAME[name]

    async def guarded(update: Update, context: BuurtContext) -> None:
        if update.effective_message is None or update.effective_chat is None:
            return
        if not command.anonymous and is_anonymous(update):
            if command.where & Where.GROUP_CHATS:  # else: the silence of an unknown command
                context.reply(update, act_as_yourself(context.gettext(), command.name))
            return
        where = await chat_where(update, context.session)
        if command.who in RESTRICTED and command.who not in await roles(update, context, where):
            _ = context.gettext()
            if where is Where.PRIVATE:  # exactly what an unknown command gets: nothing revealed
                context.reply(update, unknown_command(_))
            elif (
                command.who is Who.COORDINATOR and command.where & where & Where.NEIGHBOURHOOD_CHATS
            ):
                # Here everyone knows the neighbourhood and its coordinators: say so kindly.
                context.reply(
                    update,
                    _("Only coordinators of this neighbourhood can use /{command}.", command=name),
                )
            return  # elsewhere: the silence unknown commands get in groups
        if not command.where & where:
            _ = context.gettext()
            text = _(WRONG_CHAT[command.where], command=command.name)
            if command.example:
                text += "\n" + _("For example: {example}", example=_(command.example))
            context.reply(update, text)
            return
        await callback(update, context)

    return CommandHandler(command.name, guarded)


def unknown_command(_: Gettext) -> str:
    return _("Sorry, I don't know that command. Send /help to see what I can do.")


def visible(where: Where, roles: set[Who]) -> list[Command]:
    """The commands someone with `roles` can use in a chat of kind `where`."""
    return [c for c in TABLE if c.where & where and c.who in roles]


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
    """Telegram's command menus per scope and language; None is the fallback language."""
    result: list[tuple[BotCommandScope, str | None, list[BotCommand]]] = []
    for scope, where, who in MENU_SCOPES:
        for language in (None, *LANGUAGES):
            _ = translator.get(language)
            commands = [BotCommand(c.name, _(c.description)) for c in visible(where, who)]
            result.append((scope, language, commands))
    return result
