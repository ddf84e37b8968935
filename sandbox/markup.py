"""Validation of keyboards, bot commands and command scopes.

These are the checks that make a real deployment fail with a 400 on the first message or at
startup (a 65-byte callback_data, an upper-case command), so the sandbox applies them all.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sandbox.errors import bad_request
from sandbox.objects import JSON

# Exactly one of these must accompany an inline button's text.
INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
COMMAND = re.compile(r"[a-z0-9_]{1,32}")
LANGUAGE = re.compile(r"[a-z]{2}")
SCOPE_FIELDS = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}


def validate_reply_markup(markup: Any) -> JSON | None:
    """Return the markup to store, or raise the 400 Telegram would give."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _validate_inline(markup["inline_keyboard"])
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "keyboard" must be an Array of Arrays')
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not text:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
    elif not ({"remove_keyboard", "force_reply"} & set(markup)):
        raise bad_request('can\'t find field "inline_keyboard"')
    return markup


def _validate_inline(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request('field "inline_keyboard" must be an Array of Arrays')
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
    for row in rows:
        for button in row:
            _validate_button(button)


def _validate_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be "
            f"used, got {actions}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        _validate_url(button["url"])


def _validate_url(url: Any) -> None:
    if not isinstance(url, str):
        raise bad_request("BUTTON_URL_INVALID")
    parts = urlsplit(url)
    if parts.scheme == "tg":
        return
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise bad_request("BUTTON_URL_INVALID")


def validate_commands(commands: Any) -> list[JSON]:
    if not isinstance(commands, list):
        raise bad_request('field "commands" must be an Array')
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    cleaned = []
    for entry in commands:
        if not isinstance(entry, dict):
            raise bad_request("BOT_COMMAND_INVALID")
        command, description = entry.get("command"), entry.get("description")
        if not isinstance(command, str) or not COMMAND.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": command, "description": description})
    return cleaned


def validate_language(code: Any) -> str:
    if code is None or code == "":
        return ""
    if not isinstance(code, str) or not LANGUAGE.fullmatch(code):
        raise bad_request("invalid language code specified")
    return code


def scope_key(scope: Any) -> str:
    """Canonical form of a BotCommandScope, for storing commands per scope."""
    if scope is None:
        scope = {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in SCOPE_FIELDS:
        raise bad_request("unsupported bot command scope type")
    kind = scope["type"]
    parts = [kind]
    for name in SCOPE_FIELDS[kind]:
        if scope.get(name) is None:
            raise bad_request(f"{name} is empty")
        parts.append(str(scope[name]))
    return ":".join(parts)
