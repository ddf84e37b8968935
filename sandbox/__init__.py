"""A local stand-in for the Telegram Bot API, for end-to-end tests, benchmarks and demos.

:class:`Sandbox` runs an aiohttp server that speaks the Bot API subset buurtbot uses and
holds a world of users and chats that tests act in. See :mod:`sandbox.core` for the facade,
:mod:`sandbox.worldapi` for the manual-demo HTTP API and ``python -m sandbox --help``.
"""

from sandbox.chats import Chat
from sandbox.core import Sandbox
from sandbox.errors import ApiError
from sandbox.messages import CallbackAnswer, MessageVersion, PressHandle, SentMessage
from sandbox.objects import InviteLink
from sandbox.users import User
from sandbox.world import Call

__all__ = [
    "ApiError",
    "Call",
    "CallbackAnswer",
    "Chat",
    "InviteLink",
    "MessageVersion",
    "PressHandle",
    "Sandbox",
    "SentMessage",
    "User",
]
