"""What every handler is given: its update's session and outbox, and the shared services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackContext, ExtBot

from bot.choices import Choices
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.effects import Act
from bot.facts import NONE, ChatFacts, Facts
from bot.here import NOWHERE, Here, Who
from bot.i18n import Gettext, Translator
from bot.outbox import Outbox
from bot.timer import Timer

if TYPE_CHECKING:
    from bot.courier import Courier
    from bot.processor import TransactionalProcessor
    from transports.telegram.intake import Intake


@dataclass
class Services:
    """Long-lived collaborators, created once by the app factory."""

    config: Config
    translator: Translator
    engine: AsyncEngine | None = None
    sessionmaker: async_sessionmaker[AsyncSession] | None = None
    courier: Courier | None = None
    intake: Intake | None = None
    #: Whether a person's commands are being ignored now (handlers/throttle.py): their
    #: updates then cost no question to the messenger.
    braking: Callable[[int, int], bool] | None = None
    #: Asks the messenger about a chat outside an update (bot/facts.py); set by the app.
    chat_facts: ChatFacts | None = None
    #: Where every "now" comes from; tests and the demo give a ManualClock.
    clock: Clock = field(default_factory=SystemClock)
    #: Has the transport do what is not stored (bot/effects.py); set by the app factory.
    act: Act | None = None
    #: Runs the scheduler's round and one-off wake-ups.
    timer: Timer = field(default_factory=Timer)
    #: Why the bot had to stop, for the command line to report.
    fatal: str | None = None

    def session(self) -> AsyncSession:
        if self.sessionmaker is None:
            raise RuntimeError("the database is not started; post_init has not run")
        return self.sessionmaker()


@dataclass
class UpdateScope:
    """One update's unit of work: a transaction, the messages it will send, and its moment."""

    session: AsyncSession
    #: Read from the clock once, when the unit opens: the whole update happens at this moment.
    now: datetime
    outbox: Outbox = field(default_factory=Outbox)
    failed: bool = False
    #: What made it fail, as the error handler saw it.
    error: BaseException | None = None
    #: The update's last try: only now is the person told that it went wrong.
    final: bool = True
    #: What the messenger told before the transaction opened (bot/facts.py).
    facts: Facts = NONE
    #: Where the update happens, resolved once by the processor.
    here: Here = NOWHERE
    #: What the update's person may do here, worked out on first use (handlers/roles.py).
    roles: set[Who] | None = None


class BuurtContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """A CallbackContext that carries the update's scope and the services."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.processor: TransactionalProcessor = application.update_processor  # type: ignore[assignment]
        self.scope: UpdateScope | None = None
        self.language_code: str | None = None
        self.shared_chat = False

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> BuurtContext:
        context = super().from_update(update, application)
        assert isinstance(context, BuurtContext)
        context.scope = context.processor.scope_for(update)
        if isinstance(update, Update) and update.effective_user is not None:
            context.language_code = update.effective_user.language_code
        if isinstance(update, Update) and update.effective_chat is not None:
            # A join request is answered in the requester's DM, in their language.
            context.shared_chat = (
                update.effective_chat.type != ChatType.PRIVATE and update.chat_join_request is None
            )
        return context

    @property
    def services(self) -> Services:
        return self.processor.services

    @property
    def config(self) -> Config:
        return self.services.config

    @property
    def session(self) -> AsyncSession:
        if self.scope is None:
            raise RuntimeError("no update scope: this code runs outside an update")
        return self.scope.session

    @property
    def here(self) -> Here:
        return self.scope.here if self.scope is not None else NOWHERE

    @here.setter
    def here(self, place: Here) -> None:
        """For flows that change the place: /setup, linking, dissolving, a chat that moved."""
        if self.scope is None:
            raise RuntimeError("no update scope: this code runs outside an update")
        self.scope.here = place
        self.scope.roles = None

    @property
    def facts(self) -> Facts:
        return self.scope.facts if self.scope is not None else NONE

    @property
    def now(self) -> datetime:
        """The update's moment (see UpdateScope.now)."""
        if self.scope is None:
            raise RuntimeError("no update scope: this code runs outside an update")
        return self.scope.now

    @property
    def outbox(self) -> Outbox:
        if self.scope is None:
            raise RuntimeError("no update scope: this code runs outside an update")
        return self.scope.outbox

    def reply(self, update: Update, text: str, *, choices: Choices | None = None) -> None:
        """Answer in the update's chat, as a reply to the message that asked."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None:
            return
        self.outbox.send(
            chat.id,
            text,
            choices=choices,
            reply_to=message.message_id if message is not None else None,
        )

    def answer(self, update: Update, text: str | None = None, *, show_alert: bool = False) -> None:
        """Answer the update's button press (after commit, like every other effect)."""
        if update.callback_query is not None:
            self.outbox.answer(update.callback_query.id, text, show_alert=show_alert)

    def gettext_for(self, language_code: str | None) -> Gettext:
        """Words for someone other than the reader, such as an owner told by DM."""
        return self.services.translator.choose(language_code)

    def gettext(self, neighbourhood_language: str | None = None) -> Gettext:
        """Shared chats speak their neighbourhood's language, read by everyone in them; a
        DM speaks the reader's. Failing those, the other one, else the configured default."""
        chat_language = neighbourhood_language or self.here.language
        if self.shared_chat and chat_language:
            return self.services.translator.choose(chat_language)
        return self.services.translator.choose(self.language_code, chat_language)


BuurtApplication = Application[Any, BuurtContext, Any, Any, Any, Any]
