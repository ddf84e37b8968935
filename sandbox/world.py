"""The world: every user, chat, message and pending interaction of one Sandbox.

Both sides act on this one object: tests through :class:`~sandbox.users.User` and
:class:`~sandbox.chats.Chat`, the bot through the Bot API methods in :mod:`sandbox.methods`.
Keeping all state here (and none at module level) lets many sandboxes run side by side.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sandbox.chats import Chat
from sandbox.errors import ApiError, bad_request, forbidden
from sandbox.messages import PressHandle, SentMessage
from sandbox.notify import Notifier
from sandbox.objects import (
    JSON,
    USUAL_ADMIN_RIGHTS,
    InviteLink,
    JoinRequest,
    Member,
    StoredFile,
)
from sandbox.updates import UpdateQueue
from sandbox.users import User


@dataclass
class Call:
    """One Bot API request, logged when it arrives and completed when answered.

    ``ok`` is None while the request is pending, which only a long poll stays for long;
    logging on arrival lets a test wait for "the bot started polling".
    """

    method: str
    params: dict[str, Any]
    ok: bool | None = None
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    parameters: dict[str, Any] | None = None
    time: float = field(default_factory=time.monotonic)

    def __repr__(self) -> str:
        if self.ok is None:
            outcome = "pending"
        else:
            outcome = "ok" if self.ok else f"{self.error_code} {self.description}"
        return f"<Call {self.method} {outcome}>"


GROUP_ANONYMOUS_BOT_ID = 1087968824


class World:
    """All state of one sandbox; see the module docstring."""

    def __init__(
        self, token: str, bot_username: str, bot_name: str, *, privacy_mode: bool = True
    ) -> None:
        self.token = token
        self.privacy_mode = privacy_mode  # BotFather's default for new bots
        self.notifier = Notifier()
        self.updates = UpdateQueue(self.notifier)
        self.time_offset = 0.0  # lets tests jump ahead (join-request window, flood windows)
        self.bot = User(
            self, int(token.split(":", 1)[0]), bot_name, username=bot_username, is_bot=True
        )
        # Telegram's stand-in sender for anonymous group administrators.
        self.anonymous_admin = User(
            self, GROUP_ANONYMOUS_BOT_ID, "Group", username="GroupAnonymousBot", is_bot=True
        )
        self.users: dict[int, User] = {self.bot.id: self.bot}
        self.chats: dict[int, Chat] = {}
        self.calls: list[Call] = []
        self.invite_links: dict[str, InviteLink] = {}
        self.join_requests: dict[tuple[int, int], JoinRequest] = {}
        self.callback_queries: dict[str, PressHandle] = {}
        self.polls: dict[str, SentMessage] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.webhook_url = ""
        self.webhook_secret = ""
        # Telegram insists on HTTPS; tests may allow plain HTTP to 127.0.0.1 instead.
        self.http_webhooks = False
        self._counter = itertools.count(1)
        self._user_ids = itertools.count(1_000_001)
        self._group_ids = itertools.count(4_000_000_001)
        self._supergroup_ids = itertools.count(1_001_000_000_001)  # "-100…" like Telegram
        self._call_cursors: dict[str, int] = {}  # per method: no unreturned call before this
        self._returned_calls: set[int] = set()  # indices into self.calls

    # -- time and ids ----------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.time_offset

    def date(self) -> int:
        return int(self.now())

    def next_id(self) -> int:
        return next(self._counter)

    # -- creating people and chats ---------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_premium: bool = False,
    ) -> User:
        user = User(
            self,
            next(self._user_ids),
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
        )
        self.users[user.id] = user
        return user

    def create_chat(self, title: str, *, supergroup: bool, username: str | None = None) -> Chat:
        if supergroup:
            chat_id = -next(self._supergroup_ids)
            chat = Chat(self, chat_id, "supergroup", title=title, username=username)
        else:
            chat = Chat(self, -next(self._group_ids), "group", title=title)
        self.chats[chat.id] = chat
        return chat

    def add_group(
        self,
        title: str,
        *,
        members: Sequence[User] = (),
        admins: Sequence[User] = (),
        supergroup: bool = False,
        username: str | None = None,
    ) -> Chat:
        """A group that already exists; the bot is not in it yet (see Chat.add_bot)."""
        chat = self.create_chat(title, supergroup=supergroup, username=username)
        for user in [*members, *admins]:
            if user.is_bot:
                raise AssertionError("add the bot with Chat.add_bot(), not as a member")
            chat.members[user.id] = Member("member")
        for index, user in enumerate(admins):
            if index == 0:
                chat.members[user.id] = Member("creator")
            else:
                rights = dict.fromkeys(USUAL_ADMIN_RIGHTS, True)
                chat.members[user.id] = Member("administrator", rights)
        return chat

    def forget_chat(self, chat: Chat) -> None:
        """Remove a deleted chat: lookups by id or username no longer find it."""
        del self.chats[chat.id]
        for key in [k for k in self.join_requests if k[0] == chat.id]:
            del self.join_requests[key]

    # -- lookups the Bot API methods share -------------------------------------------------

    def resolve_chat(self, chat_id: int | str) -> Chat:
        chat: Chat | None = None
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            chat = next(
                (c for c in self.chats.values() if c.username and c.username.lower() == name), None
            )
        elif chat_id in self.chats:
            chat = self.chats[chat_id]
        elif chat_id in self.users and not self.users[chat_id].is_bot:
            chat = self.users[chat_id].dm
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def chat_for_bot(self, chat_id: int | str, *, sending: bool = False) -> Chat:
        """The chat if the bot may use it, else the error Telegram gives."""
        chat = self.resolve_chat(chat_id)
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to.id},
            )
        if chat.user is not None:
            if sending and chat.user.blocked:
                raise forbidden("bot was blocked by the user")
            if sending and not chat.user.may_be_messaged():
                raise forbidden("bot can't initiate conversation with a user")
        elif chat.bot_member.status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.error_noun}")
        elif not chat.bot_present:
            raise forbidden(f"bot is not a member of the {chat.error_noun}")
        return chat

    def user(self, user_id: int) -> User:
        if user_id not in self.users:
            raise bad_request("user not found")
        return self.users[user_id]

    def require_right(self, chat: Chat, right: str, message: str) -> None:
        if chat.user is not None or not chat.bot_member.has(right):
            raise bad_request(message)

    def pending_requests(self, link: InviteLink) -> int:
        return sum(1 for r in self.join_requests.values() if r.link is link)

    # -- messages and updates --------------------------------------------------------------

    def new_message(self, chat: Chat, sender: User, **fields: Any) -> SentMessage:
        """Store a message; the bot's own non-service messages also go to ``bot_messages``."""
        message = SentMessage(chat, chat.take_message_id(), sender, self.date(), **fields)
        chat.messages[message.message_id] = message
        if sender is self.bot and message.kind != "service":
            chat.bot_messages.append(message)
            self.notifier.notify()
        return message

    def deliver(self, message: SentMessage, *, force: bool = False) -> None:
        """Queue a person's message as an update if the bot can see that chat.

        ``force`` covers the one message a removed bot still gets: its own removal.
        """
        chat = message.chat
        if force or chat.user is not None or (chat.bot_present and self._sees(message)):
            self.updates.put("message", message.to_json())

    def _sees(self, message: SentMessage) -> bool:
        """Privacy mode: which group messages a bot that is no administrator receives."""
        if not self.privacy_mode or message.kind == "service" or message.chat.bot_member.is_admin:
            return True
        if message.reply_to is not None and message.reply_to.from_bot:
            return True
        command = message.text.split(maxsplit=1)[0] if message.text.startswith("/") else ""
        # Only one bot lives in the sandbox, so "/cmd" is always addressed to it.
        target = command.partition("@")[2]
        return bool(command) and target.lower() in ("", (self.bot.username or "").lower())

    def emit_my_chat_member(self, chat: Chat, by: User, old: Member, new: Member) -> None:
        self.updates.put(
            "my_chat_member",
            {
                "chat": chat.to_json(),
                "from": by.to_json(),
                "date": self.date(),
                "old_chat_member": old.to_json(self.bot.to_json()),
                "new_chat_member": new.to_json(self.bot.to_json()),
            },
        )

    def emit_chat_member(
        self, chat: Chat, by: User, user: User, old: Member, new: Member, **extra: Any
    ) -> None:
        if not chat.bot_member.is_admin:
            return  # Telegram only tells administrators about other members
        self.updates.put(
            "chat_member",
            {
                "chat": chat.to_json(),
                "from": by.to_json(),
                "date": self.date(),
                "old_chat_member": old.to_json(user.to_json()),
                "new_chat_member": new.to_json(user.to_json()),
                **extra,
            },
        )

    # -- the call log ----------------------------------------------------------------------

    def record_call(self, call: Call) -> None:
        self.calls.append(call)
        self.notifier.notify()

    def finish_call(self, call: Call, result: Any = None, error: ApiError | None = None) -> None:
        call.ok = error is None
        call.result = result
        if error is not None:
            call.error_code, call.description = error.code, error.description
            call.parameters = error.parameters
        self.notifier.notify()

    async def wait_for_call(
        self, method: str, seconds: float, predicate: Callable[[Call], bool] | None = None
    ) -> Call:
        """The oldest ``method`` call matching ``predicate`` that was not returned before.

        Returned calls are remembered individually, so waiting for a later call with one
        predicate never skips an earlier call another predicate would still match.
        """
        key = method.lower()
        found: list[Call] = []

        def ready() -> bool:
            start = self._call_cursors.get(key, 0)
            for index in range(start, len(self.calls)):
                call = self.calls[index]
                if call.method.lower() != key or index in self._returned_calls:
                    continue
                if predicate is None or predicate(call):
                    self._returned_calls.add(index)
                    self._advance_cursor(key, start)
                    found.append(call)
                    return True
            return False

        if not await self.notifier.wait_until(ready, seconds):
            raise AssertionError(f"no {method} call within {seconds}s\n{self.summary()}")
        return found[0]

    def _advance_cursor(self, key: str, index: int) -> None:
        while index < len(self.calls) and (
            self.calls[index].method.lower() != key or index in self._returned_calls
        ):
            index += 1
        self._call_cursors[key] = index

    def summary(self, chat: Chat | None = None) -> str:
        """What happened so far, for assertion messages."""
        lines = []
        if chat is not None:
            lines.append(f"bot messages in {chat!r}:")
            lines += [f"  {m!r}" for m in chat.bot_messages[-10:]] or ["  (none)"]
        kinds = [next(key for key in u if key != "update_id") for u in self.updates.pending]
        lines.append(f"pending updates: {kinds}")
        lines.append("last calls:")
        recent = [c for c in self.calls if c.method != "getUpdates"][-10:]
        lines += [f"  {c!r}" for c in recent] or ["  (none)"]
        return "\n".join(lines)
