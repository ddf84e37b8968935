"""Bot-level methods: identity, webhook switch, update polling and the command menu."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sandbox.errors import ApiError, bad_request
from sandbox.markup import scope_key, validate_commands, validate_language
from sandbox.params import Params
from sandbox.world import World


async def get_me(world: World, p: Params) -> Any:
    return world.bot.to_json() | {
        "can_join_groups": True,
        "can_read_all_group_messages": not world.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


WEBHOOK_PORTS = (80, 88, 443, 8443)


def _allowed_updates(p: Params) -> list[str] | None:
    allowed = p.get_json("allowed_updates")
    if allowed is not None and (
        not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed)
    ):
        raise bad_request("can't parse allowed_updates")
    return allowed


def _check_webhook_url(world: World, url: str) -> None:
    loopback = url.startswith(("http://127.0.0.1:", "http://localhost:"))
    if world.http_webhooks and loopback:
        return  # the test-only exception: a plain-HTTP receiver on any local port
    if not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    try:
        port = urlsplit(url).port or 443
    except ValueError:  # not a port number at all; refused like any other wrong port
        port = 0
    if port not in WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


async def set_webhook(world: World, p: Params) -> Any:
    """Updates are then pushed to the URL (see sandbox.webhook) instead of polled."""
    url = p.get_str("url") or ""
    if url:
        _check_webhook_url(world, url)
    secret = p.get_str("secret_token") or ""
    if secret and not (len(secret) <= 256 and all(c.isalnum() or c in "_-" for c in secret)):
        raise bad_request("bad webhook: Secret token contains unallowed characters")
    world.updates.set_allowed(_allowed_updates(p))
    world.webhook_url = url
    world.webhook_secret = secret
    if p.get_bool("drop_pending_updates"):
        world.updates.drop_all()
    return True


async def delete_webhook(world: World, p: Params) -> Any:
    world.webhook_url = ""
    world.webhook_secret = ""
    if p.get_bool("drop_pending_updates"):
        world.updates.drop_all()
    return True


async def get_updates(world: World, p: Params) -> Any:
    if world.webhook_url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
            "to delete the webhook first",
        )
    allowed = _allowed_updates(p)
    limit = p.opt_int("limit")
    return await world.updates.get(
        offset=p.opt_int("offset") or 0,
        limit=100 if limit is None else limit,
        wait=float(p.opt_int("timeout") or 0),
        allowed=allowed,
    )


def _command_key(world: World, p: Params) -> tuple[str, str]:
    scope = p.get_json("scope")
    if isinstance(scope, dict) and "chat_id" in scope:
        chat = world.resolve_chat(Params(scope).chat_id())
        scope = {**scope, "chat_id": chat.id}
        if "user_id" in scope:
            scope["user_id"] = world.user(Params(scope).get_int("user_id")).id
    return scope_key(scope), validate_language(p.get_str("language_code"))


async def set_my_commands(world: World, p: Params) -> Any:
    commands = validate_commands(p.get_json("commands"))
    key = _command_key(world, p)
    if commands:
        world.commands[key] = commands
    else:
        world.commands.pop(key, None)
    return True


async def get_my_commands(world: World, p: Params) -> Any:
    return list(world.commands.get(_command_key(world, p), []))


async def delete_my_commands(world: World, p: Params) -> Any:
    world.commands.pop(_command_key(world, p), None)
    return True


METHODS = {
    "getMe": get_me,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getUpdates": get_updates,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
}
