"""Messages in the world, as both people and tests see them.

A :class:`SentMessage` is the single source of truth for a message: the bot's edits and
deletions are applied to the same object, so a test holding a reply sees its current state
and its history without re-fetching anything.
"""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.objects import JSON, Poll, StoredFile

if TYPE_CHECKING:
    from sandbox.chats import Chat
    from sandbox.users import User

BUTTON_KEYS = ("text", "callback_data", "url")


@dataclass(frozen=True)
class MessageVersion:
    """One state of a message: the original or the result of an edit."""

    text: str
    html: str
    entities: list[JSON]
    reply_markup: JSON | None
    date: int
    method: str = "send"


class SentMessage:
    """A message in a chat, sent by a person or by the bot.

    For photos and documents ``text``, ``html`` and ``entities`` hold the caption; the JSON
    sent to the bot uses ``caption``/``caption_entities`` as Telegram does.
    """

    def __init__(
        self,
        chat: Chat,
        message_id: int,
        sender: User,
        date: int,
        *,
        text: str = "",
        html_source: str | None = None,
        entities: list[JSON] | None = None,
        reply_markup: JSON | None = None,
        reply_to: SentMessage | None = None,
        file: StoredFile | None = None,
        kind: str = "text",
        poll: Poll | None = None,
        service: JSON | None = None,
        sender_chat: Chat | None = None,
    ) -> None:
        self.chat = chat
        self.message_id = message_id
        self.sender = sender
        self.sender_chat = sender_chat  # the group itself for anonymous administrators
        self.date = date
        self.reply_to = reply_to
        self.file = file
        self.kind = kind  # text | photo | document | poll | service
        self.poll = poll
        self.service = service or {}
        self.deleted = False
        self.edit_date: int | None = None
        source = html.escape(text, quote=False) if html_source is None else html_source
        self.history: list[MessageVersion] = [
            MessageVersion(text, source, list(entities or []), reply_markup, date)
        ]

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else self.sender.first_name
        flags = " deleted" if self.deleted else ""
        return f"<SentMessage {self.chat_id}/{self.message_id} {who}: {self.text!r}{flags}>"

    # -- current state -------------------------------------------------------------------

    @property
    def current(self) -> MessageVersion:
        return self.history[-1]

    @property
    def text(self) -> str:
        """Plain text (or caption) after entity parsing."""
        return self.current.text

    @property
    def html(self) -> str:
        """The text exactly as the bot sent it (HTML source when parse_mode was HTML)."""
        return self.current.html

    @property
    def entities(self) -> list[JSON]:
        return self.current.entities

    @property
    def reply_markup(self) -> JSON | None:
        return self.current.reply_markup

    @property
    def edits(self) -> list[MessageVersion]:
        """Versions produced by edits, oldest first; ``edits[-1]`` is the current state."""
        return self.history[1:]

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def from_bot(self) -> bool:
        """Sent by the bot under test (not by another bot such as GroupAnonymousBot)."""
        return self.sender is self.chat.world.bot

    @property
    def buttons(self) -> list[list[JSON]]:
        """Inline keyboard rows; every button has text, callback_data and url keys."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[dict.fromkeys(BUTTON_KEYS) | button for button in row] for row in rows]

    @property
    def button_texts(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]

    def button(self, text: str) -> JSON:
        for row in self.buttons:
            for button in row:
                if button["text"] == text:
                    return button
        raise AssertionError(f"no button {text!r} on {self!r}; buttons: {self.button_texts}")

    # -- changes ---------------------------------------------------------------------------

    def apply_edit(
        self,
        *,
        method: str,
        date: int,
        text: str | None = None,
        html_source: str | None = None,
        entities: list[JSON] | None = None,
        reply_markup: JSON | None,
    ) -> None:
        old = self.current
        self.history.append(
            MessageVersion(
                old.text if text is None else text,
                old.html if html_source is None else html_source,
                old.entities if entities is None else entities,
                reply_markup,
                date,
                method,
            )
        )
        self.edit_date = date

    # -- Telegram JSON ---------------------------------------------------------------------

    def to_json(self, *, with_reply: bool = True) -> JSON:
        data: JSON = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat.to_json(),
            "from": self.sender.to_json(),
        }
        if self.sender_chat is not None:
            data["sender_chat"] = self.sender_chat.to_json()
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if with_reply and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_json(with_reply=False)
        text_key, entities_key = "text", "entities"
        if self.kind in ("photo", "document"):
            text_key, entities_key = "caption", "caption_entities"
            assert self.file is not None
            if self.kind == "photo":
                data["photo"] = self.file.photo_json()
            else:
                data["document"] = self.file.document_json()
        elif self.kind == "poll":
            assert self.poll is not None
            data["poll"] = self.poll.to_json()
        if self.text and self.kind != "poll":
            data[text_key] = self.text
            if self.entities:
                data[entities_key] = copy.deepcopy(self.entities)
        markup = self.reply_markup
        if markup is not None and "inline_keyboard" in markup and markup["inline_keyboard"]:
            data["reply_markup"] = copy.deepcopy(markup)
        data.update(copy.deepcopy(self.service))
        return data


@dataclass
class CallbackAnswer:
    """What the bot passed to answerCallbackQuery."""

    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    params: dict[str, Any] = field(default_factory=dict)


class PressHandle:
    """A pressed inline button; ``await handle.wait()`` returns the bot's answer."""

    def __init__(self, query_id: str, user: User, message: SentMessage, data: str) -> None:
        self.query_id = query_id
        self.user = user
        self.message = message
        self.data = data
        self.answer: CallbackAnswer | None = None

    @property
    def answered(self) -> bool:
        return self.answer is not None

    async def wait(self, timeout: float = 5.0) -> CallbackAnswer:  # noqa: ASYNC109
        world = self.user.world
        if not await world.notifier.wait_until(lambda: self.answer is not None, timeout):
            raise AssertionError(
                f"the bot did not answer callback query {self.query_id} "
                f"(data={self.data!r}) within {timeout}s\n{world.summary(self.message.chat)}"
            )
        assert self.answer is not None
        return self.answer
