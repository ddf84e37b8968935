"""People (and the bot itself) in the world, with the actions a test performs as them.

Actions validate like a Telegram client would: a user can only write in chats they are in
and press buttons that exist. A violation is a bug in the test, so it raises AssertionError
instead of quietly producing an update Telegram could never send.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from sandbox.html import detect_entities
from sandbox.messages import PressHandle, SentMessage
from sandbox.objects import JSON, InviteLink, JoinRequest, Member

if TYPE_CHECKING:
    from sandbox.chats import Chat
    from sandbox.world import World

# How long the bot may message someone who asked to join, per Bot API ChatJoinRequest.
JOIN_REQUEST_DM_WINDOW = 300.0


class HasInviteLink(Protocol):
    """E.g. python-telegram-bot's ChatInviteLink, as returned to the bot."""

    @property
    def invite_link(self) -> str: ...


class User:
    """A person (or the bot: ``sb.bot``); the async methods are things people do."""

    def __init__(
        self,
        world: World,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_bot: bool = False,
        is_premium: bool = False,
    ) -> None:
        self.world = world
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.is_bot = is_bot
        self.is_premium = is_premium
        self.started = False  # pressed Start in the private chat with the bot
        self.blocked = False  # blocked the bot
        self.dm_window_until = 0.0  # join-request exception, in world time
        self._dm: Chat | None = None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.first_name}{' (bot)' if self.is_bot else ''}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    @property
    def dm(self) -> Chat:
        """The private chat between this user and the bot (chat id == user id)."""
        if self._dm is None:
            from sandbox.chats import Chat

            self._dm = Chat(self.world, self.id, "private", user=self)
            self._dm.members[self.id] = Member("member")
            self._dm.members[self.world.bot.id] = Member("member")
            self.world.chats[self.id] = self._dm
        return self._dm

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.is_premium:
            data["is_premium"] = True
        return data

    def may_be_messaged(self) -> bool:
        return self.started or self.world.now() < self.dm_window_until

    def _require_person(self) -> None:
        if self.is_bot:
            raise AssertionError("the bot acts through the Bot API, not the world API")

    # -- actions ---------------------------------------------------------------------------

    async def send(
        self,
        chat: Chat,
        text: str,
        *,
        reply_to: SentMessage | None = None,
        anonymous: bool = False,
    ) -> SentMessage:
        """Type ``text`` into ``chat``; commands and @mentions get entities as in Telegram.

        ``anonymous`` posts as an anonymous group administrator: the bot sees ``from`` as
        GroupAnonymousBot and ``sender_chat`` as the group, so it cannot tell who wrote.
        """
        self._require_person()
        if not text:
            raise AssertionError("Telegram clients do not send empty messages")
        if anonymous and not (chat.is_group and chat.member(self).is_admin):
            raise AssertionError(f"only administrators can write anonymously; {self!r} in {chat!r}")
        if chat.type == "private":
            if chat.id != self.id:
                raise AssertionError(f"{self!r} cannot write in another user's private chat")
            # A client only lets people type after Start, and typing unblocks the bot.
            self.started = True
            if self.blocked:
                await self.unblock_bot()
        else:
            chat.require_member(self)
        if reply_to is not None and reply_to.chat is not chat:
            raise AssertionError("reply_to must be a message in the same chat")
        message = self.world.new_message(
            chat,
            self.world.anonymous_admin if anonymous else self,
            text=text,
            entities=detect_entities(text),
            reply_to=reply_to,
            sender_chat=chat if anonymous else None,
        )
        self.world.deliver(message)
        await asyncio.sleep(0)
        return message

    async def start(self, payload: str | None = None) -> SentMessage:
        """Press Start in the private chat, optionally through a t.me/bot?start= link."""
        return await self.send(self.dm, f"/start {payload}" if payload else "/start")

    async def block_bot(self) -> None:
        self._require_person()
        if not self.blocked:
            self.blocked = True
            self.world.emit_my_chat_member(self.dm, self, Member("member"), Member("kicked"))
        await asyncio.sleep(0)

    async def unblock_bot(self) -> None:
        self._require_person()
        if self.blocked:
            self.blocked = False
            self.world.emit_my_chat_member(self.dm, self, Member("kicked"), Member("member"))
        await asyncio.sleep(0)

    async def press(self, message: SentMessage, button_text: str) -> PressHandle:
        """Press the inline button labelled ``button_text`` under ``message``."""
        button = message.button(button_text)
        data = button["callback_data"]
        if data is None:
            raise AssertionError(f"button {button_text!r} has no callback_data: {button}")
        return await self.press_data(message, data)

    async def press_data(self, message: SentMessage, data: str) -> PressHandle:
        """Send a callback query with arbitrary data, as a modified client could."""
        self._require_person()
        if message.deleted:
            raise AssertionError(f"{message!r} was deleted")
        if message.chat.type == "private":
            if message.chat.id != self.id:
                raise AssertionError(f"{self!r} cannot see {message!r}")
        else:
            message.chat.require_member(self)
        world = self.world
        handle = PressHandle(str(world.next_id()), self, message, data)
        world.callback_queries[handle.query_id] = handle
        world.updates.put(
            "callback_query",
            {
                "id": handle.query_id,
                "from": self.to_json(),
                "message": message.to_json(),
                "chat_instance": str(abs(message.chat_id) * 31 + 7),
                "data": data,
            },
        )
        await asyncio.sleep(0)
        return handle

    async def request_join(self, link: str | InviteLink | HasInviteLink) -> None:
        """Open an invite link: joins directly, or files a join request if it needs approval."""
        self._require_person()
        world = self.world
        if isinstance(link, str):
            url = link
        elif isinstance(link, InviteLink):
            url = link.url
        else:
            url = link.invite_link
        record = world.invite_links.get(url)
        if record is None:
            raise AssertionError(f"unknown invite link {url!r}; known: {list(world.invite_links)}")
        chat = world.chats.get(record.chat_id)
        if chat is None:
            raise AssertionError(f"the chat of invite link {url} was deleted")
        if record.is_revoked or (record.expire_date and record.expire_date <= world.now()):
            raise AssertionError(f"invite link {url} is revoked or expired")
        chat.require_active()
        status = chat.status(self)
        if status in ("creator", "administrator", "member"):
            raise AssertionError(f"{self!r} is already in {chat!r}")
        if status == "kicked":
            raise AssertionError(f"{self!r} is banned from {chat!r}")
        if record.member_limit is not None and record.joined >= record.member_limit:
            raise AssertionError(f"invite link {url} reached its member limit")
        if not record.creates_join_request:
            record.joined += 1
            await chat.join(self, invite_link=record)
            return
        if (chat.id, self.id) in world.join_requests:
            raise AssertionError(f"{self!r} already asked to join {chat!r}")
        request = JoinRequest(chat.id, self.id, world.date(), record)
        world.join_requests[(chat.id, self.id)] = request
        self.dm_window_until = world.now() + JOIN_REQUEST_DM_WINDOW
        if chat.bot_member.has("can_invite_users"):
            pending = world.pending_requests(record)
            world.updates.put(
                "chat_join_request",
                {
                    "chat": chat.to_json(),
                    "from": self.to_json(),
                    "user_chat_id": self.id,
                    "date": request.date,
                    "invite_link": record.to_json(pending),
                },
            )
        await asyncio.sleep(0)

    async def vote(self, poll_message: SentMessage, option_ids: Sequence[int]) -> None:
        """Vote (or retract with ``[]``) in a poll the bot sent."""
        self._require_person()
        poll = poll_message.poll
        if poll is None:
            raise AssertionError(f"{poll_message!r} is not a poll")
        if poll.is_closed:
            raise AssertionError("the poll is closed")
        if poll_message.chat.type != "private":
            poll_message.chat.require_member(self)
        chosen = list(option_ids)
        if any(not 0 <= option < len(poll.options) for option in chosen):
            raise AssertionError(f"option ids {chosen} out of range for {poll.options}")
        if len(chosen) > 1 and not poll.allows_multiple_answers:
            raise AssertionError("this poll allows only one answer")
        if len(set(chosen)) != len(chosen):
            raise AssertionError("duplicate option ids")
        if not chosen and poll.type == "quiz":
            raise AssertionError("quiz answers cannot be retracted")
        if poll.votes.get(self.id) and poll.type == "quiz":
            raise AssertionError("quiz answers cannot be changed")
        poll.votes[self.id] = chosen
        world = self.world
        if not poll.is_anonymous:
            world.updates.put(
                "poll_answer",
                {
                    "poll_id": poll.id,
                    "user": self.to_json(),
                    "option_ids": chosen,
                    "option_persistent_ids": [str(option) for option in chosen],
                },
            )
        world.updates.put("poll", poll.to_json())
        await asyncio.sleep(0)
