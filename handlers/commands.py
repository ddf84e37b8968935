"""The command table: one list drives registration, /help and Telegram's command menus.

Handlers are registered through `command_handler`, which looks the command up
here, so a command cannot exist without a description and a place in /help.
It also answers a command used in the wrong kind of chat, once, for all.
"""

from __future__ import annotations

import enum
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
from telegram.constants import ChatType
from telegram.ext import CommandHandler

from bot.context import BuurtContext
from bot.i18n import LANGUAGES, N_, Translator

Callback = Callable[[Update, BuurtContext], Awaitable[None]]


class Where(enum.Flag):
    PRIVATE = enum.auto()
    GROUP = enum.auto()
    ANYWHERE = PRIVATE | GROUP


class Who(enum.Enum):
    EVERYONE = "everyone"
    CHAT_ADMIN = "chat admin"  # or a facilitator
    FACILITATOR = "facilitator"


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    where: Where
    who: Who
    #: The arguments as shown in /help, e.g. "<title>"; never translated.
    usage: str = ""


TABLE: tuple[Command, ...] = (
    Command("start", N_("Welcome and what I can do"), Where.ANYWHERE, Who.EVERYONE),
    Command("help", N_("The commands you can use here"), Where.ANYWHERE, Who.EVERYONE),
    Command("setup", N_("Register this chat as a neighbourhood"), Where.GROUP, Who.CHAT_ADMIN),
)
BY_NAME = {command.name: command for command in TABLE}

WRONG_CHAT = {
    Where.GROUP: N_("Please use /{command} in your neighbourhood's group chat."),
    Where.PRIVATE: N_("Please use /{command} in a private chat with me."),
}


def chat_where(update: Update) -> Where:
    chat = update.effective_chat
    return Where.PRIVATE if chat is not None and chat.type == ChatType.PRIVATE else Where.GROUP


def command_handler(name: str, callback: Callback) -> CommandHandler[BuurtContext, None]:
    """A CommandHandler for a command of the table, with the chat-type check in front."""
    command = BY_NAME[name]

    async def guarded(update: Update, context: BuurtContext) -> None:
        if update.effective_message is None or update.effective_chat is None:
            return
        if not command.where & chat_where(update):
            _ = context.gettext()
            context.outbox.send(
                update.effective_chat.id,
                _(WRONG_CHAT[command.where], command=command.name),
                reply_to=update.effective_message.message_id,
            )
            return
        await callback(update, context)

    return CommandHandler(command.name, guarded)


def visible(where: Where, roles: set[Who]) -> list[Command]:
    """The commands someone with `roles` can use in a chat of kind `where`."""
    return [c for c in TABLE if c.where & where and c.who in roles]


MENU_SCOPES = (
    (BotCommandScopeAllPrivateChats(), Where.PRIVATE, {Who.EVERYONE}),
    (BotCommandScopeAllGroupChats(), Where.GROUP, {Who.EVERYONE}),
    (BotCommandScopeAllChatAdministrators(), Where.GROUP, {Who.EVERYONE, Who.CHAT_ADMIN}),
)


def menus(translator: Translator) -> list[tuple[BotCommandScope, str | None, list[BotCommand]]]:
    """Telegram's command menus per scope and language; None is the fallback language."""
    result: list[tuple[BotCommandScope, str | None, list[BotCommand]]] = []
    for scope, where, roles in MENU_SCOPES:
        for language in (None, *LANGUAGES):
            _ = translator.get(language)
            commands = [BotCommand(c.name, _(c.description)) for c in visible(where, roles)]
            result.append((scope, language, commands))
    return result
