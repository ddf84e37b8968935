"""The Bot API methods the sandbox implements, by lower-cased name (Telegram ignores case)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sandbox.methods import bot, chats, messaging
from sandbox.params import Params
from sandbox.world import World

Handler = Callable[[World, Params], Awaitable[Any]]

_ALL: dict[str, Handler] = {**bot.METHODS, **messaging.METHODS, **chats.METHODS}

# lower-case name -> (canonical name, implementation)
METHODS: dict[str, tuple[str, Handler]] = {name.lower(): (name, fn) for name, fn in _ALL.items()}
