"""Conversational helpers for group tests: a neighbourhood, and groups started in it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sandbox import Chat, Sandbox, SentMessage, User


@dataclass
class Street:
    chat: Chat
    admin: User


async def neighbourhood(
    sb: Sandbox, admin: User, *residents: User, title: str = "Kerklaan", language: str = "nl"
) -> Street:
    """A set-up neighbourhood chat with an admin bot, where every resident has spoken.

    Its chat and its groups speak `language`, whatever each resident's Telegram speaks.
    """
    chat = sb.add_group(title, members=[admin, *residents], admins=[admin], supergroup=True)
    await chat.add_bot(by=admin)
    await sb.promote_bot(chat, by=admin, can_invite_users=True, can_restrict_members=True)
    await admin.send(chat, "/setup")
    await chat.next_bot_message()
    if language != "nl":
        await admin.send(chat, f"/settings language={language}")
        await chat.next_bot_message()
    for resident in residents:
        await resident.send(chat, f"Hallo, ik ben {resident.first_name}")
    if residents:  # a chat's updates are handled in order: once this is answered, so are they
        await admin.send(chat, "/help")
        await chat.next_bot_message()
    return Street(chat, admin)


def token_of(message: SentMessage) -> str:
    """The startgroup payload of the /newgroup reply's button."""
    url = message.buttons[0][0]["url"]
    assert "startgroup=" in url, (url, message.buttons)
    return parse_qs(urlsplit(url).query)["startgroup"][0]


async def ask_for_group(owner: User, where: Chat, title: str) -> SentMessage:
    await owner.send(where, f"/newgroup {title}")
    return await where.next_bot_message()


async def start_group(
    sb: Sandbox,
    street: Street,
    owner: User,
    title: str,
    *,
    admin: bool = True,
    private: bool = False,
) -> Chat:
    """The whole spin-up: /newgroup, create the chat, add the bot with the token, promote it."""
    reply = await ask_for_group(owner, street.chat, ("-private " if private else "") + title)
    chat = sb.add_group(title, members=[owner], admins=[owner], supergroup=True)
    await chat.add_bot(by=owner, payload=token_of(reply))
    await chat.next_bot_message()  # the welcome
    if admin:
        await sb.promote_bot(chat, by=owner, can_invite_users=True, can_restrict_members=True)
        await chat.next_bot_message()  # "I can let neighbours in now"
    return chat


def invite_link_of(sb: Sandbox, chat: Chat) -> str:
    links = [url for url, link in sb.invite_links.items() if link.chat_id == chat.id]
    assert links, f"the bot made no invite link in {chat!r}"
    return links[-1]
