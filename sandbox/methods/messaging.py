"""Methods that create, change or remove messages, and callback query answers."""

from __future__ import annotations

import mimetypes
import re
from typing import Any
from urllib.parse import urlsplit

from sandbox.chats import Chat
from sandbox.errors import ApiError, bad_request, forbidden
from sandbox.html import format_text, utf16_len
from sandbox.markup import validate_reply_markup
from sandbox.messages import CallbackAnswer, SentMessage
from sandbox.objects import JSON, Poll, StoredFile
from sandbox.params import Params, Upload
from sandbox.world import World

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# "A message can only be deleted if it was sent less than 48 hours ago."
DELETE_WINDOW_SECONDS = 48 * 3600
# answerCallbackQuery's url, outside games: "links like t.me/your_bot?start=XXXX". The deep-link
# payload rules (A-Z, a-z, 0-9, _ and -, at most 64 characters) apply; other query parameters
# and telegram.me hosts are refused because it is unclear whether Telegram allows them.
_START_LINK = re.compile(r"(?:https?://)?t\.me/([A-Za-z0-9_]+)\?start=[A-Za-z0-9_-]{1,64}")


def _text(world: World, p: Params, *, caption: bool) -> tuple[str, str, list[JSON]]:
    """(plain text, raw source, entities) of a text or caption parameter."""
    name = "caption" if caption else "text"
    raw = p.get_str(name) or ""
    entities = p.get_json("caption_entities" if caption else "entities")
    text, parsed = format_text(
        raw,
        p.get_str("parse_mode"),
        entities if isinstance(entities, list) else None,
        limit=1024 if caption else 4096,
        empty_error=None if caption else "message text is empty",
        long_error="message caption is too long" if caption else "message is too long",
        lookup_user=lambda uid: world.users[uid].to_json() if uid in world.users else None,
    )
    return text, raw, parsed


def _markup(p: Params, *, inline_only: bool = False) -> JSON | None:
    """The reply_markup to store; edits only accept inline keyboards, as in Telegram."""
    markup = validate_reply_markup(p.get_json("reply_markup"))
    if inline_only and markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    if markup is not None and "inline_keyboard" in markup and not markup["inline_keyboard"]:
        return None  # an empty inline keyboard means "no keyboard"
    return markup


def _reply_to(chat: Chat, p: Params) -> SentMessage | None:
    parameters = p.get_json("reply_parameters")
    if isinstance(parameters, dict):
        reply = Params(parameters)
        message_id = reply.opt_int("message_id")
        allow = reply.get_bool("allow_sending_without_reply")
    else:
        message_id = p.opt_int("reply_to_message_id")
        allow = p.get_bool("allow_sending_without_reply")
    if message_id is None:
        return None
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return message


def _sent(world: World, chat: Chat, p: Params, **fields: Any) -> JSON:
    message = world.new_message(chat, world.bot, reply_to=_reply_to(chat, p), **fields)
    return message.to_json()


async def send_message(world: World, p: Params) -> Any:
    chat = world.chat_for_bot(p.chat_id(), sending=True)
    text, raw, entities = _text(world, p, caption=False)
    markup = _markup(p)
    return _sent(world, chat, p, text=text, html_source=raw, entities=entities, reply_markup=markup)


def _editable(world: World, p: Params) -> tuple[Chat, SentMessage]:
    if p.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the sandbox")
    chat = world.chat_for_bot(p.chat_id())
    if chat.user is not None and chat.user.blocked:
        raise forbidden("bot was blocked by the user")
    message = chat.messages.get(p.get_int("message_id"))
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


async def edit_message_text(world: World, p: Params) -> Any:
    _, message = _editable(world, p)
    text, raw, entities = _text(world, p, caption=False)
    # Omitting reply_markup removes the keyboard, as in Telegram.
    markup = _markup(p, inline_only=True)
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.apply_edit(
        method="editMessageText",
        date=world.date(),
        text=text,
        html_source=raw,
        entities=entities,
        reply_markup=markup,
    )
    world.notifier.notify()
    return message.to_json()


async def edit_message_reply_markup(world: World, p: Params) -> Any:
    _, message = _editable(world, p)
    markup = _markup(p, inline_only=True)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.apply_edit(method="editMessageReplyMarkup", date=world.date(), reply_markup=markup)
    world.notifier.notify()
    return message.to_json()


async def delete_message(world: World, p: Params) -> Any:
    chat = world.chat_for_bot(p.chat_id())
    message = chat.messages.get(p.get_int("message_id"))
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    if (
        not message.from_bot
        and chat.user is None
        and not chat.bot_member.has("can_delete_messages")
    ):
        raise bad_request("message can't be deleted")
    if world.now() - message.date >= DELETE_WINDOW_SECONDS and not (
        # The documented exception: a supergroup admin with this right deletes any message.
        # Elsewhere (private chats and basic groups too) the 48-hour rule is applied, which
        # may be stricter than Telegram for basic-group admins.
        chat.type == "supergroup" and chat.bot_member.has("can_delete_messages")
    ):
        raise bad_request("message can't be deleted")
    message.deleted = True
    world.notifier.notify()
    return True


async def answer_callback_query(world: World, p: Params) -> Any:
    handle = world.callback_queries.get(p.get_str("callback_query_id") or "")
    if handle is None or handle.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.get_str("text")
    if text is not None and utf16_len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    url = p.get_str("url")
    if url:
        link = _START_LINK.fullmatch(url)
        if link is None or link.group(1).lower() != (world.bot.username or "").lower():
            raise bad_request("URL_INVALID")  # no games in the sandbox: only start links
    handle.answer = CallbackAnswer(
        text=text,
        show_alert=p.get_bool("show_alert"),
        url=url,
        cache_time=p.opt_int("cache_time") or 0,
        params=dict(p.raw),
    )
    world.notifier.notify()
    return True


def _stored_file(world: World, source: Upload | str, *, photo: bool) -> StoredFile:
    if isinstance(source, str):
        known = world.files.get(source)
        if known is not None:
            return known
        if not source.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        name = urlsplit(source).path.rsplit("/", 1)[-1] or None
        content, mime = None, mimetypes.guess_type(name or "")[0]
    else:
        if not source.content:
            raise bad_request("file must be non-empty")
        if len(source.content) > (MAX_PHOTO_BYTES if photo else MAX_DOCUMENT_BYTES):
            raise ApiError(413, "Request Entity Too Large")
        name, content = source.filename, source.content
        mime = source.content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(name or "")[0] or mime
    number = world.next_id()
    stored = StoredFile(
        file_id=f"{'AgAC' if photo else 'BQAC'}{number:08d}sandbox",
        file_unique_id=f"AQAD{number:08d}",
        content=content,
        file_name=None if photo else name,
        mime_type=None if photo else mime,
    )
    for size in stored.photo_json() if photo else [stored.document_json()]:
        world.files[size["file_id"]] = stored  # any size's file_id can be re-sent
    return stored


async def _send_file(world: World, p: Params, *, photo: bool) -> Any:
    chat = world.chat_for_bot(p.chat_id(), sending=True)
    field = "photo" if photo else "document"
    stored = _stored_file(world, p.file(field), photo=photo)
    text, raw, entities = _text(world, p, caption=True)
    return _sent(
        world,
        chat,
        p,
        kind=field,
        file=stored,
        text=text,
        html_source=raw,
        entities=entities,
        reply_markup=_markup(p),
    )


async def send_document(world: World, p: Params) -> Any:
    return await _send_file(world, p, photo=False)


async def send_photo(world: World, p: Params) -> Any:
    return await _send_file(world, p, photo=True)


def _poll_options(p: Params) -> list[str]:
    options = p.get_json("options")
    if not isinstance(options, list):
        raise bad_request('field "options" must be an Array')
    texts = [o.get("text") if isinstance(o, dict) else o for o in options]
    if len(texts) < 2:
        raise bad_request("poll must have at least 2 option")
    if len(texts) > 12:
        raise bad_request("poll can't have more than 12 options")
    cleaned = []
    for text in texts:
        if not isinstance(text, str) or not text.strip():
            raise bad_request("poll options must be non-empty")
        if utf16_len(text) > 100:
            raise bad_request("poll options length must not exceed 100")
        cleaned.append(text.strip())
    return cleaned


async def send_poll(world: World, p: Params) -> Any:
    chat = world.chat_for_bot(p.chat_id(), sending=True)
    question = (p.get_str("question") or "").strip()
    if not question:
        raise bad_request("poll question must be non-empty")
    if utf16_len(question) > 300:
        raise bad_request("poll question length must not exceed 300")
    options = _poll_options(p)
    kind = p.get_str("type") or "regular"
    if kind not in ("regular", "quiz"):
        raise bad_request("wrong poll type specified")
    correct = p.get_json("correct_option_ids")
    if correct is None and p.has("correct_option_id"):
        correct = [p.get_int("correct_option_id")]
    correct = correct if kind == "quiz" else []
    if kind == "quiz" and (
        not correct or not all(isinstance(c, int) and 0 <= c < len(options) for c in correct)
    ):
        raise bad_request("wrong correct option ids specified for the quiz")
    poll = Poll(
        id=str(5_000_000_000_000_000_000 + world.next_id()),
        question=question,
        options=options,
        is_anonymous=p.get_bool("is_anonymous", True),
        type=kind,
        allows_multiple_answers=p.get_bool("allows_multiple_answers") and kind == "regular",
        correct_option_ids=list(correct or []),
        explanation=p.get_str("explanation"),
        is_closed=p.get_bool("is_closed"),
    )
    result = _sent(world, chat, p, kind="poll", poll=poll, text=question, reply_markup=_markup(p))
    world.polls[poll.id] = chat.messages[result["message_id"]]
    return result


async def stop_poll(world: World, p: Params) -> Any:
    chat = world.chat_for_bot(p.chat_id())
    message = chat.messages.get(p.get_int("message_id"))
    if message is None or message.deleted or message.poll is None or not message.from_bot:
        raise bad_request("message with poll to stop not found")
    if message.poll.is_closed:
        raise bad_request("poll has already been closed")
    markup = _markup(p)
    message.poll.is_closed = True
    if p.has("reply_markup") and markup != message.reply_markup:
        message.apply_edit(method="stopPoll", date=world.date(), reply_markup=markup)
    world.updates.put("poll", message.poll.to_json())
    return message.poll.to_json()


METHODS = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "sendDocument": send_document,
    "sendPhoto": send_photo,
    "sendPoll": send_poll,
    "stopPoll": stop_poll,
}
