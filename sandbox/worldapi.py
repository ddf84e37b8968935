"""A tiny JSON API under ``/_world/`` for acting as people during manual demos.

It calls the same world methods tests use. All bodies and answers are JSON; failures of the
world rules (e.g. writing in a group one is not in) answer 400 ``{"ok": false, ...}``.

``POST /_world/users``        ``{"first_name", "username"?, "language_code"?}`` -> user
``POST /_world/groups``       ``{"title", "member_ids"?, "admin_ids"?, "supergroup"?}`` -> chat
``POST /_world/add_bot``      ``{"chat_id", "by", "payload"?}``
``POST /_world/promote_bot``  ``{"chat_id", "by", "rights": {"can_invite_users": true, ...}}``
``POST /_world/send``         ``{"user_id", "chat_id", "text", "reply_to_message_id"?,
                              "anonymous"?}`` -> message
``POST /_world/press``        ``{"user_id", "chat_id", "message_id", "text" | "data"}``
``POST /_world/join``         ``{"user_id", "chat_id"}`` (also ``/_world/leave``)
``GET  /_world/messages?chat_id=N``  every message in the chat, with ``"deleted"`` flags
``GET  /_world/state``        users and chats

Example: ``curl -d '{"first_name":"Anna"}' http://127.0.0.1:8081/_world/users``
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.chats import Chat
from sandbox.users import User
from sandbox.world import World

Action = Callable[[World, dict[str, Any]], Awaitable[Any]]


def _user(world: World, body: dict[str, Any], key: str = "user_id") -> User:
    user = world.users.get(int(body[key]))
    if user is None:
        raise AssertionError(f"no user {body[key]}")
    return user


def _chat(world: World, body: dict[str, Any]) -> Chat:
    chat = world.chats.get(int(body["chat_id"]))
    if chat is None:
        user = world.users.get(int(body["chat_id"]))
        if user is None or user.is_bot:
            raise AssertionError(f"no chat {body['chat_id']}")
        chat = user.dm
    return chat


async def _add_user(world: World, body: dict[str, Any]) -> Any:
    user = world.add_user(
        str(body["first_name"]),
        last_name=body.get("last_name"),
        username=body.get("username"),
        language_code=body.get("language_code"),
    )
    return user.to_json()


async def _add_group(world: World, body: dict[str, Any]) -> Any:
    chat = world.add_group(
        str(body["title"]),
        members=[_user(world, {"id": uid}, "id") for uid in body.get("member_ids", [])],
        admins=[_user(world, {"id": uid}, "id") for uid in body.get("admin_ids", [])],
        supergroup=bool(body.get("supergroup", False)),
    )
    return chat.to_json()


async def _add_bot(world: World, body: dict[str, Any]) -> Any:
    await _chat(world, body).add_bot(by=_user(world, body, "by"), payload=body.get("payload"))
    return True


async def _promote_bot(world: World, body: dict[str, Any]) -> Any:
    rights = {str(k): bool(v) for k, v in body.get("rights", {}).items()}
    await _chat(world, body).promote_bot(by=_user(world, body, "by"), **rights)
    return True


async def _send(world: World, body: dict[str, Any]) -> Any:
    chat = _chat(world, body)
    reply_id = body.get("reply_to_message_id")
    reply_to = chat.messages.get(int(reply_id)) if reply_id is not None else None
    message = await _user(world, body).send(
        chat, str(body["text"]), reply_to=reply_to, anonymous=bool(body.get("anonymous", False))
    )
    return message.to_json()


async def _press(world: World, body: dict[str, Any]) -> Any:
    chat = _chat(world, body)
    message = chat.messages.get(int(body["message_id"]))
    if message is None:
        raise AssertionError(f"no message {body['message_id']} in {chat!r}")
    user = _user(world, body)
    if "data" in body:
        handle = await user.press_data(message, str(body["data"]))
    else:
        handle = await user.press(message, str(body["text"]))
    return {"query_id": handle.query_id}


async def _join(world: World, body: dict[str, Any]) -> Any:
    await _chat(world, body).join(_user(world, body))
    return True


async def _leave(world: World, body: dict[str, Any]) -> Any:
    await _chat(world, body).leave(_user(world, body))
    return True


ACTIONS: dict[str, Action] = {
    "users": _add_user,
    "groups": _add_group,
    "add_bot": _add_bot,
    "promote_bot": _promote_bot,
    "send": _send,
    "press": _press,
    "join": _join,
    "leave": _leave,
}


def add_world_routes(app: web.Application, world: World) -> None:
    async def act(request: web.Request) -> web.Response:
        action = ACTIONS.get(request.match_info["action"])
        if action is None:
            return web.json_response({"ok": False, "description": "Not Found"}, status=404)
        try:
            body = await request.json() if request.body_exists else {}
            result = await action(world, body)
        except (AssertionError, KeyError, TypeError, ValueError) as exc:
            return web.json_response({"ok": False, "description": repr(exc)}, status=400)
        return web.json_response({"ok": True, "result": result})

    async def messages(request: web.Request) -> web.Response:
        try:
            chat = _chat(world, {"chat_id": request.query["chat_id"]})
        except (AssertionError, KeyError, ValueError) as exc:
            return web.json_response({"ok": False, "description": repr(exc)}, status=400)
        result = [m.to_json() | {"deleted": m.deleted} for m in chat.messages.values()]
        return web.json_response({"ok": True, "result": result})

    async def state(request: web.Request) -> web.Response:
        result = {
            "bot": world.bot.to_json(),
            "users": [u.to_json() for u in world.users.values() if not u.is_bot],
            "chats": [
                c.to_json() | {"bot_status": c.bot_member.status} for c in world.chats.values()
            ],
        }
        return web.json_response({"ok": True, "result": result})

    app.router.add_get("/_world/messages", messages)
    app.router.add_get("/_world/state", state)
    app.router.add_post("/_world/{action}", act)
