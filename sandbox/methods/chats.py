"""Methods about chats and their members: lookups, bans, invite links, join requests."""

from __future__ import annotations

import secrets
from typing import Any

from sandbox.chats import Chat
from sandbox.errors import bad_request
from sandbox.objects import InviteLink, Member, accepted_gift_types, default_permissions
from sandbox.params import Params
from sandbox.users import User
from sandbox.world import World

NO_INVITE_RIGHTS = "not enough rights to manage chat invite links"
NO_RESTRICT_RIGHTS = "not enough rights to restrict/unrestrict chat member"


async def get_chat(world: World, p: Params) -> Any:
    chat = world.chat_for_bot(p.chat_id())
    info = chat.to_json() | {
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": accepted_gift_types(),
    }
    if chat.is_group:
        info["permissions"] = dict(chat.permissions)
        info["has_visible_history"] = True
    return info


async def get_chat_member(world: World, p: Params) -> Any:
    chat = world.chat_for_bot(p.chat_id())
    user = world.user(p.get_int("user_id"))
    return chat.member(user).to_json(user.to_json())


async def get_chat_administrators(world: World, p: Params) -> Any:
    chat = world.chat_for_bot(p.chat_id())
    if chat.user is not None:
        raise bad_request("there are no administrators in the private chat")
    admins = sorted(
        (uid for uid, m in chat.members.items() if m.is_admin),
        key=lambda uid: chat.members[uid].status != "creator",
    )
    return [chat.members[uid].to_json(world.users[uid].to_json()) for uid in admins]


async def get_chat_member_count(world: World, p: Params) -> Any:
    chat = world.chat_for_bot(p.chat_id())
    return sum(1 for m in chat.members.values() if m.present)


async def leave_chat(world: World, p: Params) -> Any:
    chat = world.chat_for_bot(p.chat_id())
    if chat.user is not None:
        raise bad_request("chat member status can't be changed in private chats")
    bot = world.bot
    chat.set_member(bot, Member("left"), bot)  # the my_chat_member update
    chat.service_message(bot, left_chat_member=bot.to_json())
    return True


def _target(world: World, chat: Chat, p: Params, right: str, message: str) -> User:
    if chat.user is not None:
        raise bad_request("can't ban members in private chats")
    world.require_right(chat, right, message)
    user = world.user(p.get_int("user_id"))
    if user.is_bot:
        raise bad_request("can't restrict self" if user is world.bot else "user not found")
    status = chat.status(user)
    if status == "creator":
        raise bad_request("can't remove chat owner")
    if status == "administrator":
        # Telegram lets a bot remove administrators it promoted itself; the sandbox has no
        # promoteChatMember, so every administrator was promoted by someone else.
        raise bad_request("user is an administrator of the chat")
    return user


async def ban_chat_member(world: World, p: Params) -> Any:
    chat = world.chat_for_bot(p.chat_id())
    user = _target(world, chat, p, "can_restrict_members", NO_RESTRICT_RIGHTS)
    until = p.opt_int("until_date") or 0
    was_present = chat.member(user).present
    if chat.status(user) != "kicked":
        chat.set_member(user, Member("kicked", until_date=until), world.bot)
    if was_present:  # removing someone shows in the chat, from the bot as the remover
        chat.service_message(world.bot, left_chat_member=user.to_json())
    return True


async def unban_chat_member(world: World, p: Params) -> Any:
    chat = world.chat_for_bot(p.chat_id())
    user = _target(world, chat, p, "can_restrict_members", NO_RESTRICT_RIGHTS)
    status = chat.status(user)
    # Without only_if_banned Telegram guarantees the user is out afterwards, even a member.
    if status == "kicked" or (status == "member" and not p.get_bool("only_if_banned")):
        chat.set_member(user, Member("left"), world.bot)
    return True


#: ChatPermissions fields of the Bot API; anything else in the object is refused.
PERMISSIONS = frozenset(
    {
        *default_permissions(),
        "can_react_to_messages",
        "can_edit_tag",
    }
)


async def set_chat_permissions(world: World, p: Params) -> Any:
    chat = world.chat_for_bot(p.chat_id())
    if chat.user is not None:
        raise bad_request("method is available only for supergroups")  # as close as known
    world.require_right(
        chat, "can_restrict_members", "not enough rights to change chat permissions"
    )
    given = p.get_json("permissions")
    if not isinstance(given, dict):
        raise bad_request("can't parse permissions JSON object")
    unknown = set(given) - PERMISSIONS
    if unknown or not all(isinstance(value, bool) for value in given.values()):
        raise bad_request("can't parse permissions JSON object")
    # Telegram takes a missing permission as False: the object replaces them all.
    new = {key: bool(given.get(key, False)) for key in chat.permissions}
    if new == chat.permissions:
        raise bad_request("CHAT_NOT_MODIFIED")
    chat.permissions = new
    return True


def _group_for_links(world: World, p: Params, message: str) -> Chat:
    chat = world.chat_for_bot(p.chat_id())
    if chat.user is not None:
        raise bad_request("can't invite members to a private chat")
    world.require_right(chat, "can_invite_users", message)
    return chat


async def create_chat_invite_link(world: World, p: Params) -> Any:
    chat = _group_for_links(world, p, NO_INVITE_RIGHTS)
    name = p.get_str("name")
    if name is not None and len(name) > 32:
        raise bad_request("invite link name must not exceed 32 characters")
    limit = p.opt_int("member_limit")
    creates_join_request = p.get_bool("creates_join_request")
    if limit is not None and creates_join_request:
        raise bad_request(
            "member limit can't be specified for links requiring administrator approval"
        )
    if limit is not None and not 1 <= limit <= 99_999:
        raise bad_request("member limit must be between 1 and 99999")
    expire = p.opt_int("expire_date")
    if expire is not None and expire <= world.now():
        raise bad_request("EXPIRE_DATE_INVALID")
    link = InviteLink(
        url=f"https://t.me/+{secrets.token_urlsafe(12)}",
        chat_id=chat.id,
        creator=world.bot.to_json(),
        creates_join_request=creates_join_request,
        name=name or None,
        expire_date=expire,
        member_limit=limit,
    )
    world.invite_links[link.url] = link
    return link.to_json()


async def revoke_chat_invite_link(world: World, p: Params) -> Any:
    chat = _group_for_links(world, p, NO_INVITE_RIGHTS)
    link = world.invite_links.get(p.get_str("invite_link") or "")
    if link is None or link.chat_id != chat.id:
        raise bad_request("INVITE_HASH_EXPIRED")
    link.is_revoked = True
    return link.to_json(world.pending_requests(link))


async def approve_chat_join_request(world: World, p: Params) -> Any:
    chat = _group_for_links(world, p, "CHAT_ADMIN_REQUIRED")
    user = world.user(p.get_int("user_id"))
    request = world.join_requests.get((chat.id, user.id))
    if request is None:
        raise bad_request("HIDE_REQUESTER_MISSING")
    del world.join_requests[(chat.id, user.id)]
    user.dm_window_until = 0.0  # the request is processed; the DM exception ends
    if chat.member(user).present:
        raise bad_request("USER_ALREADY_PARTICIPANT")
    extra: dict[str, object] = {}
    if request.link is not None:
        request.link.joined += 1
        extra["invite_link"] = request.link.to_json(world.pending_requests(request.link))
    else:
        extra["via_join_request"] = True
    chat.set_member(user, Member("member"), user, **extra)
    chat.service_message(user, new_chat_members=[user.to_json()])
    return True


async def decline_chat_join_request(world: World, p: Params) -> Any:
    chat = _group_for_links(world, p, "CHAT_ADMIN_REQUIRED")
    user = world.user(p.get_int("user_id"))
    if world.join_requests.pop((chat.id, user.id), None) is None:
        raise bad_request("HIDE_REQUESTER_MISSING")
    user.dm_window_until = 0.0
    return True


METHODS = {
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "leaveChat": leave_chat,
    "setChatPermissions": set_chat_permissions,
    "banChatMember": ban_chat_member,
    "unbanChatMember": unban_chat_member,
    "createChatInviteLink": create_chat_invite_link,
    "revokeChatInviteLink": revoke_chat_invite_link,
    "approveChatJoinRequest": approve_chat_join_request,
    "declineChatJoinRequest": decline_chat_join_request,
}
