"""Chats (private, group, supergroup) and the membership changes people make in them.

Each change produces the updates Telegram would send: ``my_chat_member`` for the bot's own
status, ``chat_member`` only while the bot is an administrator, and service messages only
while the bot is in the chat.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from sandbox.messages import SentMessage
from sandbox.objects import (
    JSON,
    USUAL_ADMIN_RIGHTS,
    InviteLink,
    Member,
    admin_rights,
    default_permissions,
)

if TYPE_CHECKING:
    from sandbox.users import User
    from sandbox.world import World


class Chat:
    """A chat as a test sees it; membership changes emit the updates Telegram sends."""

    def __init__(
        self,
        world: World,
        chat_id: int,
        chat_type: str,
        *,
        title: str | None = None,
        username: str | None = None,
        user: User | None = None,
    ) -> None:
        self.world = world
        self.id = chat_id
        self.type = chat_type  # private | group | supergroup
        self.title = title
        self.username = username
        self.user = user  # the other side of a private chat
        self.members: dict[int, Member] = {}
        #: What ordinary members may do (setChatPermissions); admins have their own rights.
        self.permissions: JSON = default_permissions()
        self.messages: dict[int, SentMessage] = {}
        self.bot_messages: list[SentMessage] = []
        self.migrated_to: Chat | None = None
        self.migrated_from: Chat | None = None
        self.deleted = False  # deleted by its creator; the Bot API no longer finds it
        self._next_message_id = 1
        self._cursor = 0

    def __repr__(self) -> str:
        name = self.title or (self.user.first_name if self.user else "?")
        return f"<Chat {self.id} {self.type} {name!r}>"

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    @property
    def error_noun(self) -> str:
        """How Telegram names this chat type in errors ("bot is not a member of the ...")."""
        return "supergroup chat" if self.type == "supergroup" else "group chat"

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.user is not None:
            data.update(
                {k: v for k, v in self.user.to_json().items() if k in ("first_name", "last_name")}
            )
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title
            if self.username:
                data["username"] = self.username
        return data

    def take_message_id(self) -> int:
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    # -- membership ------------------------------------------------------------------------

    def member(self, user: User) -> Member:
        return self.members.get(user.id) or Member("left")

    def status(self, user: User) -> str:
        return self.member(user).status

    @property
    def bot_member(self) -> Member:
        return self.member(self.world.bot)

    @property
    def bot_present(self) -> bool:
        return self.bot_member.present

    @property
    def users(self) -> list[User]:
        """Everyone currently in the chat, the bot included."""
        return [self.world.users[uid] for uid, m in self.members.items() if m.present]

    def require_active(self) -> None:
        """People can only act in a chat that was neither upgraded nor deleted."""
        if self.deleted:
            raise AssertionError(f"{self!r} was deleted")
        if self.migrated_to is not None:
            raise AssertionError(f"{self!r} was upgraded to a supergroup: {self.migrated_to!r}")

    def require_member(self, user: User) -> None:
        self.require_active()
        if not self.member(user).present:
            raise AssertionError(
                f"{user!r} is not a member of {self!r} (status {self.status(user)!r})"
            )

    def _require_group(self) -> None:
        if not self.is_group:
            raise AssertionError(f"{self!r} is not a group")
        self.require_active()

    def _require_admin(self, user: User, right: str) -> None:
        self.require_member(user)
        if not self.member(user).has(right):
            raise AssertionError(f"{user!r} lacks {right} in {self!r}")

    def set_member(self, user: User, new: Member, by: User, **extra: object) -> None:
        """Change a person's membership and tell the bot if it may know."""
        old = self.member(user)
        self.members[user.id] = new
        if user.is_bot:
            self.world.emit_my_chat_member(self, by, old, new)
        else:
            self.world.emit_chat_member(self, by, user, old, new, **extra)

    def service_message(self, sender: User, **fields: object) -> SentMessage:
        message = self.world.new_message(self, sender, kind="service", service=dict(fields))
        left = fields.get("left_chat_member")
        removed_bot = isinstance(left, dict) and left.get("id") == self.world.bot.id
        self.world.deliver(message, force=removed_bot)
        return message

    # -- actions by people -----------------------------------------------------------------

    async def add_bot(self, *, by: User, payload: str | None = None) -> None:
        """Add the bot; with ``payload`` this is the t.me/bot?startgroup=<payload> flow."""
        self._require_group()
        self.require_member(by)
        if self.bot_present:
            raise AssertionError(f"the bot is already in {self!r}")
        bot = self.world.bot
        self.set_member(bot, Member("member"), by)
        self.service_message(by, new_chat_members=[bot.to_json()])
        if payload is not None:
            await by.send(self, f"/start@{bot.username} {payload}")
        await asyncio.sleep(0)

    async def remove_bot(self, *, by: User) -> None:
        """Kick the bot; later Bot API calls for this chat get 403."""
        self._require_group()
        self._require_admin(by, "can_restrict_members")
        if not self.bot_present:
            raise AssertionError(f"the bot is not in {self!r}")
        bot = self.world.bot
        self.set_member(bot, Member("kicked"), by)
        self.service_message(by, left_chat_member=bot.to_json())
        await asyncio.sleep(0)

    async def promote_bot(self, *, by: User, **rights: bool) -> None:
        """Make the bot an administrator with exactly ``rights`` (plus can_manage_chat)."""
        self._require_group()
        self._require_admin(by, "can_promote_members")
        if not self.bot_present:
            raise AssertionError(f"the bot is not in {self!r}")
        self.set_member(self.world.bot, Member("administrator", admin_rights(**rights)), by)
        await asyncio.sleep(0)

    async def demote_bot(self, *, by: User) -> None:
        self._require_group()
        self._require_admin(by, "can_promote_members")
        if self.bot_member.status != "administrator":
            raise AssertionError(f"the bot is not an administrator of {self!r}")
        self.set_member(self.world.bot, Member("member"), by)
        await asyncio.sleep(0)

    async def promote(self, user: User, *, by: User, **rights: bool) -> None:
        """Make a person an administrator (without rights named: the usual ones)."""
        self._require_group()
        self._require_admin(by, "can_promote_members")
        self.require_member(user)
        granted = rights or dict.fromkeys(USUAL_ADMIN_RIGHTS, True)
        self.set_member(user, Member("administrator", admin_rights(**granted)), by)
        await asyncio.sleep(0)

    async def join(self, user: User, *, invite_link: InviteLink | None = None) -> None:
        """``user`` joins (via ``invite_link`` if given)."""
        self._require_group()
        if user.is_bot:
            raise AssertionError("use add_bot() to add the bot")
        if self.member(user).present:
            raise AssertionError(f"{user!r} is already in {self!r}")
        if self.status(user) == "kicked":
            raise AssertionError(f"{user!r} is banned from {self!r}")
        extra: dict[str, object] = {}
        if invite_link is not None:
            extra["invite_link"] = invite_link.to_json()
        self.set_member(user, Member("member"), user, **extra)
        self.service_message(user, new_chat_members=[user.to_json()])
        await asyncio.sleep(0)

    async def add_member(self, user: User, *, by: User) -> None:
        """``by`` adds a contact directly, as members may unless the chat forbids it.

        Telegram lets an ordinary member add people while the chat's permissions have
        can_invite_users; an administrator needs that right. No join request is made.
        """
        self._require_group()
        self.require_member(by)
        if user.is_bot:
            raise AssertionError("use add_bot() to add the bot")
        standing = self.member(by)
        allowed = (
            standing.has("can_invite_users")
            if standing.is_admin
            else bool(self.permissions.get("can_invite_users"))
        )
        if not allowed:
            raise AssertionError(f"{by!r} may not add members to {self!r}")
        if self.member(user).present:
            raise AssertionError(f"{user!r} is already in {self!r}")
        if self.status(user) == "kicked" and not standing.is_admin:
            raise AssertionError(f"{user!r} is banned from {self!r}")
        self.set_member(user, Member("member"), by)
        self.service_message(by, new_chat_members=[user.to_json()])
        await asyncio.sleep(0)

    def create_invite_link(self, *, by: User, creates_join_request: bool = False) -> InviteLink:
        """An administrator's own invite link, made in the app rather than by the bot."""
        self._require_admin(by, "can_invite_users")
        link = InviteLink(
            url=f"https://t.me/+{by.id}x{self.world.next_id()}",
            chat_id=self.id,
            creator=by.to_json(),
            creates_join_request=creates_join_request,
        )
        self.world.invite_links[link.url] = link
        return link

    async def leave(self, user: User) -> None:
        self._require_group()
        if user.is_bot:
            raise AssertionError("the bot leaves with leaveChat; use remove_bot() to kick it")
        self.require_member(user)
        if self.status(user) == "creator":
            raise AssertionError("the creator cannot leave in the sandbox")
        self.set_member(user, Member("left"), user)
        self.service_message(user, left_chat_member=user.to_json())
        await asyncio.sleep(0)

    async def kick(self, user: User, *, by: User) -> None:
        """``by`` removes and bans ``user``."""
        self._require_group()
        if user.is_bot:
            await self.remove_bot(by=by)
            return
        self._require_admin(by, "can_restrict_members")
        self.require_member(user)
        if self.member(user).is_admin and self.status(by) != "creator":
            raise AssertionError(f"{by!r} cannot kick administrator {user!r}")
        self.set_member(user, Member("kicked"), by)
        self.service_message(by, left_chat_member=user.to_json())
        await asyncio.sleep(0)

    async def delete(self, *, by: User) -> None:
        """The creator deletes the group: the bot hears it left, then the chat is gone.

        Afterwards every Bot API call naming this chat gets 400 "chat not found", and
        world actions in it fail as test bugs.
        """
        self._require_group()
        if self.status(by) != "creator":
            raise AssertionError(f"only the creator can delete {self!r}, not {by!r}")
        if self.bot_present:
            self.set_member(self.world.bot, Member("left"), by)
        self.deleted = True
        self.world.forget_chat(self)
        await asyncio.sleep(0)

    async def migrate_to_supergroup(self, *, by: User | None = None) -> Chat:
        """Upgrade a basic group; members, rights and the bot carry over to the new chat."""
        if self.type != "group":
            raise AssertionError(f"{self!r} is not a basic group")
        self._require_group()
        creator = next(
            (self.world.users[uid] for uid, m in self.members.items() if m.status == "creator"),
            None,
        )
        actor = by or creator
        if actor is None:
            raise AssertionError("pass by= for a group without a creator")
        self._require_admin(actor, "can_change_info")
        new = self.world.create_chat(self.title or "", supergroup=True, username=self.username)
        new.members = {
            uid: Member(m.status, dict(m.rights), m.until_date) for uid, m in self.members.items()
        }
        new.migrated_from = self
        self.service_message(actor, migrate_to_chat_id=new.id)
        self.migrated_to = new
        new.service_message(actor, migrate_from_chat_id=self.id)
        await asyncio.sleep(0)
        return new

    # -- reading what the bot did ----------------------------------------------------------

    async def next_bot_message(self, timeout: float = 5.0) -> SentMessage:  # noqa: ASYNC109
        """The next message the bot sent here that this method has not returned yet."""
        world = self.world
        if not await world.notifier.wait_until(
            lambda: self._cursor < len(self.bot_messages), timeout
        ):
            raise AssertionError(
                f"no new bot message in {self!r} within {timeout}s\n{world.summary(self)}"
            )
        message = self.bot_messages[self._cursor]
        self._cursor += 1
        return message

    async def no_bot_message(self, timeout: float = 0.3) -> None:  # noqa: ASYNC109
        """Assert the bot stays silent here for ``timeout`` seconds."""
        world = self.world
        if await world.notifier.wait_until(lambda: self._cursor < len(self.bot_messages), timeout):
            raise AssertionError(
                f"unexpected bot message in {self!r}: {self.bot_messages[self._cursor]!r}"
            )
