"""The :class:`Sandbox` facade: one fake Telegram (server plus world) per test.

Tests run the sandbox and the bot in one event loop::

    async with Sandbox(token="123456:TEST", bot_username="buurtbot_test") as sb:
        anna = sb.add_user("Anna", language_code="nl")
        bot = telegram.Bot(sb.token, base_url=sb.base_url)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from sandbox.chats import Chat
from sandbox.errors import ApiError
from sandbox.limits import FloodControl
from sandbox.markup import scope_key, validate_language
from sandbox.messages import SentMessage
from sandbox.objects import JSON, InviteLink
from sandbox.server import ApiServer, Faults
from sandbox.users import User
from sandbox.webhook import WebhookPusher
from sandbox.world import Call, World


class Sandbox:
    """A fake Telegram for one bot token: start it, populate the world, point PTB at it."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "buurtbot_test",
        bot_name: str = "Buurtbot",
        host: str = "127.0.0.1",
        port: int = 0,
        flood_control: bool = False,
        privacy_mode: bool = True,
        http_webhooks: bool = False,
    ) -> None:
        if ":" not in token or not token.split(":", 1)[0].isdigit():
            raise ValueError("a bot token looks like '<bot id>:<secret>'")
        self.token = token
        self.world = World(token, bot_username, bot_name, privacy_mode=privacy_mode)
        self.flood = FloodControl(
            enabled=flood_control, clock=lambda: time.monotonic() + self.world.time_offset
        )
        self.world.http_webhooks = http_webhooks
        self.server = ApiServer(self.world, self.flood, host=host, port=port)
        self.webhook = WebhookPusher(self.world)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        await self.server.start()
        await self.webhook.start()

    async def stop(self) -> None:
        await self.webhook.stop()
        await self.server.stop()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
        if exc_type is None and self.server.internal_errors:
            raise RuntimeError("the sandbox itself failed") from self.server.internal_errors[0]

    # -- addresses -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    @property
    def base_url(self) -> str:
        """PTB's ``base_url``: requests go to ``f"{base_url}{token}/{method}"``."""
        return f"{self.url}/bot"

    def method_url(self, method: str) -> str:
        return f"{self.base_url}{self.token}/{method}"

    # -- the world -------------------------------------------------------------------------

    @property
    def bot(self) -> User:
        return self.world.bot

    @property
    def users(self) -> dict[int, User]:
        return self.world.users

    @property
    def chats(self) -> dict[int, Chat]:
        return self.world.chats

    @property
    def invite_links(self) -> dict[str, InviteLink]:
        """Links the bot created, by URL."""
        return self.world.invite_links

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_premium: bool = False,
    ) -> User:
        return self.world.add_user(
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
        )

    def add_group(
        self,
        title: str,
        *,
        members: Sequence[User] = (),
        admins: Sequence[User] = (),
        supergroup: bool = False,
        username: str | None = None,
    ) -> Chat:
        """A group without the bot; the first admin is the creator."""
        return self.world.add_group(
            title, members=members, admins=admins, supergroup=supergroup, username=username
        )

    async def promote_bot(self, chat: Chat, *, by: User, **rights: bool) -> None:
        await chat.promote_bot(by=by, **rights)

    async def demote_bot(self, chat: Chat, *, by: User) -> None:
        await chat.demote_bot(by=by)

    @property
    def privacy_mode(self) -> bool:
        """Whether a non-admin bot only gets commands and replies to it in groups."""
        return self.world.privacy_mode

    @privacy_mode.setter
    def privacy_mode(self, enabled: bool) -> None:
        self.world.privacy_mode = enabled

    def advance_time(self, seconds: float) -> None:
        """Move the sandbox clock forward (join-request window, flood-control windows)."""
        self.world.time_offset += seconds

    # -- what the bot did ------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        return self.world.calls

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.world.calls if c.method.lower() == method.lower()]

    async def wait_for_call(
        self,
        method: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - a plain deadline reads best in tests
        *,
        where: Callable[[Call], bool] | None = None,
    ) -> Call:
        """The next ``method`` call (matching ``where``) this helper has not returned yet.

        Calls are logged on arrival. Every method but getUpdates is answered before this
        returns; a long poll may still be pending (``ok is None``).
        """
        return await self.world.wait_for_call(method, timeout, where)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The command list setMyCommands stored for exactly this scope and language."""
        if scope is not None and "chat_id" in scope:
            scope = {**scope, "chat_id": self.world.resolve_chat(scope["chat_id"]).id}
        key = (scope_key(scope), validate_language(language_code))
        return list(self.world.commands.get(key, []))

    def messages_in(self, chat: Chat) -> list[SentMessage]:
        """Every message the bot sent in ``chat``, deleted ones included."""
        return list(chat.bot_messages)

    async def idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot acknowledged every queued update.

        "Acknowledged" means fetched: the bot asked for a higher offset (or its webhook
        answered 2xx). Its handlers may still be running, so wait for their effects (e.g.
        ``chat.next_bot_message()``) rather than assuming idle means handled.
        """
        if not await self.world.updates.idle(timeout):
            raise AssertionError(
                f"the bot did not acknowledge all updates within {timeout}s\n{self.world.summary()}"
            )

    async def wait_polling(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Return once a getUpdates long poll is waiting in the server.

        Telegram applies allowed_updates when an update is created, so updates made before
        the bot's first poll use the default filter. Call this after starting the bot and
        before acting, so the bot's own allowed_updates are in force.
        """
        if not await self.world.updates.wait_polling(timeout):
            raise AssertionError(
                f"the bot did not start a long poll within {timeout}s\n{self.world.summary()}"
            )

    # -- misbehaving on purpose ------------------------------------------------------------

    def fail_method(
        self,
        method: str,
        error_code: int = 500,
        description: str = "Internal Server Error",
        times: int | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        """Make ``method`` fail ``times`` times (None: until :meth:`clear_failures`)."""
        self.server.fail(method, ApiError(error_code, description, parameters), times)

    def clear_failures(self) -> None:
        self.server.failures.clear()
        self.server.faults = None

    def inject_faults(self, rate: float, *, seed: int = 0, hang: float = 6.0) -> None:
        """Make a share of all calls fail at random: 500, 502, 429 or a late answer."""
        self.server.faults = Faults(rate, random.Random(seed), hang)

    @property
    def faults_injected(self) -> dict[str, int]:
        return dict(self.server.faults.seen) if self.server.faults else {}

    @property
    def flood_control(self) -> bool:
        return self.flood.enabled

    @flood_control.setter
    def flood_control(self, enabled: bool) -> None:
        self.flood.enabled = enabled
        self.flood.reset()

    @property
    def flood_rejections(self) -> int:
        """How many 429 answers flood control gave."""
        return self.flood.rejected
