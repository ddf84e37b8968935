"""Everything Telegram refuses, the sandbox refuses too, with Telegram's status and wording."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox import Sandbox

from .conftest import Api, Street

CAN_T_PARSE = "Bad Request: can't parse entities: "


def keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [list(buttons)]}


# -- envelope ------------------------------------------------------------------------------


async def test_wrong_token_is_unauthorized(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{sandbox.base_url}123456:WRONG/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


@pytest.mark.parametrize("path", ["/bot123456:TEST-TOKEN/sendSticker", "/nonsense"])
async def test_unknown_method_is_not_found(sandbox: Sandbox, path: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(sandbox.url + path)
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


# -- text and captions ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n ", "<b> </b>"])
async def test_empty_text(api: Api, street: Street, text: str) -> None:
    description = await api.error(
        "sendMessage", 400, chat_id=street.group.id, text=text, parse_mode="HTML"
    )
    assert description == "Bad Request: message text is empty"


async def test_text_length_counts_utf16_after_parsing(api: Api, street: Street) -> None:
    chat = street.group.id
    await api.ok("sendMessage", chat_id=chat, text="x" * 4096)
    await api.ok("sendMessage", chat_id=chat, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    for text in ("x" * 4097, "🏠" * 2049):
        description = await api.error("sendMessage", 400, chat_id=chat, text=text)
        assert description == "Bad Request: message is too long"


async def test_edit_text_limits(api: Api, street: Street) -> None:
    sent = await api.ok("sendMessage", chat_id=street.group.id, text="hallo")
    ids = {"chat_id": street.group.id, "message_id": sent["message_id"]}
    assert await api.error("editMessageText", 400, text="x" * 4097, **ids) == (
        "Bad Request: message is too long"
    )
    assert await api.error("editMessageText", 400, text="", **ids) == (
        "Bad Request: message text is empty"
    )


@pytest.mark.parametrize("method", ["sendPhoto", "sendDocument"])
async def test_caption_over_1024(api: Api, street: Street, method: str) -> None:
    field = "photo" if method == "sendPhoto" else "document"
    url = api.sb.method_url(method)
    files = {field: ("f.png", b"data", "image/png")}
    ok = await api.client.post(
        url, data={"chat_id": str(street.group.id), "caption": "x" * 1024}, files=files
    )
    assert ok.status_code == 200, ok.json()
    too_long = await api.client.post(
        url, data={"chat_id": str(street.group.id), "caption": "x" * 1025}, files=files
    )
    assert too_long.status_code == 400
    assert too_long.json()["description"] == "Bad Request: message caption is too long"


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("<blink>hi</blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ("a<br>b", 'Unsupported start tag "br" at byte offset 1'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        (
            "Jan & Piet",
            "sandbox check, stricter than Telegram (which would keep the text literally): "
            'Character "&" at byte offset 4 must be escaped as "&amp;"',
        ),
    ],
)
async def test_bad_html(api: Api, street: Street, text: str, detail: str) -> None:
    description = await api.error(
        "sendMessage", 400, chat_id=street.group.id, text=text, parse_mode="HTML"
    )
    assert description == CAN_T_PARSE + detail


async def test_html_is_only_checked_with_parse_mode(api: Api, street: Street) -> None:
    sent = await api.ok("sendMessage", chat_id=street.group.id, text="1 < 2 & <b>")
    assert sent["text"] == "1 < 2 & <b>" and "entities" not in sent


@pytest.mark.parametrize("mode", ["MarkdownV2", "Markdown"])
async def test_markdown_is_refused_loudly(api: Api, street: Street, mode: str) -> None:
    description = await api.error(
        "sendMessage", 400, chat_id=street.group.id, text="*x*", parse_mode=mode
    )
    assert description == f"Bad Request: unsupported parse_mode in sandbox: {mode}"


# -- keyboards -----------------------------------------------------------------------------


async def test_callback_data_over_64_bytes(api: Api, street: Street) -> None:
    chat = street.group.id
    await api.ok(
        "sendMessage",
        chat_id=chat,
        text="ok",
        reply_markup=keyboard({"text": "a", "callback_data": "x" * 64}),
    )
    for data in ("x" * 65, "€" * 22, ""):  # "€" is 3 bytes in UTF-8
        description = await api.error(
            "sendMessage",
            400,
            chat_id=chat,
            text="t",
            reply_markup=keyboard({"text": "a", "callback_data": data}),
        )
        assert description == "Bad Request: BUTTON_DATA_INVALID"


async def test_callback_data_checked_on_markup_edits(api: Api, street: Street) -> None:
    sent = await api.ok("sendMessage", chat_id=street.group.id, text="t")
    description = await api.error(
        "editMessageReplyMarkup",
        400,
        chat_id=street.group.id,
        message_id=sent["message_id"],
        reply_markup=keyboard({"text": "a", "callback_data": "y" * 65}),
    )
    assert description == "Bad Request: BUTTON_DATA_INVALID"


@pytest.mark.parametrize(
    ("button", "detail"),
    [
        ({"text": "", "callback_data": "a"}, "Text must be non-empty"),
        ({"text": "no action"}, "Text buttons are unallowed in the inline keyboard"),
        ({"text": "two", "url": "https://a.nl", "callback_data": "a"}, "exactly one"),
        ({"text": "bad url", "url": "not a url"}, "BUTTON_URL_INVALID"),
        ({"text": "ftp", "url": "ftp://a.nl"}, "BUTTON_URL_INVALID"),
    ],
)
async def test_invalid_buttons(
    api: Api, street: Street, button: dict[str, Any], detail: str
) -> None:
    description = await api.error(
        "sendMessage", 400, chat_id=street.group.id, text="t", reply_markup=keyboard(button)
    )
    assert description.startswith("Bad Request: ") and detail in description


# -- who the bot may write to --------------------------------------------------------------


@pytest.mark.parametrize("method", ["sendMessage", "sendPoll"])
async def test_user_who_never_started(api: Api, street: Street, method: str) -> None:
    params = (
        {"text": "hoi"} if method == "sendMessage" else {"question": "q", "options": ["a", "b"]}
    )
    description = await api.error(method, 403, chat_id=street.piet.id, **params)
    assert description == "Forbidden: bot can't initiate conversation with a user"


async def test_user_who_blocked_the_bot(api: Api, street: Street) -> None:
    await api.ok("sendMessage", chat_id=street.anna.id, text="hoi")
    await street.anna.block_bot()
    description = await api.error("sendMessage", 403, chat_id=street.anna.id, text="hoi")
    assert description == "Forbidden: bot was blocked by the user"
    await street.anna.send(street.anna.dm, "/start")
    await api.ok("sendMessage", chat_id=street.anna.id, text="welkom terug")


async def test_join_request_opens_dm_for_five_minutes(
    api: Api, sandbox: Sandbox, street: Street
) -> None:
    await sandbox.promote_bot(street.group, by=street.anna, can_invite_users=True)
    link = await api.ok("createChatInviteLink", chat_id=street.group.id, creates_join_request=True)
    kees = street.kees
    await api.error("sendMessage", 403, chat_id=kees.id, text="hoi")
    await kees.request_join(link["invite_link"])
    await api.ok("sendMessage", chat_id=kees.id, text="Wie ben je?")
    sandbox.advance_time(301)
    description = await api.error("sendMessage", 403, chat_id=kees.id, text="nog daar?")
    assert description == "Forbidden: bot can't initiate conversation with a user"


async def test_unknown_chat(api: Api, street: Street) -> None:
    for chat_id in (-999, 424242, "@nobody"):
        description = await api.error("sendMessage", 400, chat_id=chat_id, text="x")
        assert description == "Bad Request: chat not found"


async def test_bot_not_in_group(api: Api, sandbox: Sandbox, street: Street) -> None:
    other = sandbox.add_group("Dorpsstraat", members=[street.piet])
    description = await api.error("sendMessage", 403, chat_id=other.id, text="x")
    assert description == "Forbidden: bot is not a member of the group chat"
    big = sandbox.add_group("Wijk", members=[street.piet], supergroup=True)
    description = await api.error("getChat", 403, chat_id=big.id)
    assert description == "Forbidden: bot is not a member of the supergroup chat"


async def test_bot_kicked_or_left(api: Api, sandbox: Sandbox, street: Street) -> None:
    await street.group.remove_bot(by=street.anna)
    description = await api.error("sendMessage", 403, chat_id=street.group.id, text="x")
    assert description == "Forbidden: bot was kicked from the group chat"
    other = sandbox.add_group("Dorpsstraat", members=[street.piet])
    await other.add_bot(by=street.piet)
    assert await api.ok("leaveChat", chat_id=other.id) is True
    description = await api.error("sendMessage", 403, chat_id=other.id, text="x")
    assert description == "Forbidden: bot is not a member of the group chat"


async def test_migrated_group(api: Api, street: Street) -> None:
    new = await street.group.migrate_to_supergroup()
    response = await api.call("sendMessage", chat_id=street.group.id, text="x")
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": new.id},
    }
    await api.ok("sendMessage", chat_id=new.id, text="x")


# -- rights --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params", "expected"),
    [
        ("createChatInviteLink", {}, "not enough rights to manage chat invite links"),
        (
            "revokeChatInviteLink",
            {"invite_link": "https://t.me/+x"},
            "not enough rights to manage chat invite links",
        ),
        ("banChatMember", {"user_id": "piet"}, "not enough rights to restrict/unrestrict"),
        ("unbanChatMember", {"user_id": "piet"}, "not enough rights to restrict/unrestrict"),
        ("approveChatJoinRequest", {"user_id": "piet"}, "CHAT_ADMIN_REQUIRED"),
        ("declineChatJoinRequest", {"user_id": "piet"}, "CHAT_ADMIN_REQUIRED"),
    ],
)
async def test_admin_rights_required(
    api: Api,
    sandbox: Sandbox,
    street: Street,
    method: str,
    params: dict[str, Any],
    expected: str,
) -> None:
    params = {k: street.piet.id if v == "piet" else v for k, v in params.items()}
    for promote in (False, True):
        if promote:  # an administrator without the needed right is refused as well
            await sandbox.promote_bot(street.group, by=street.anna, can_pin_messages=True)
        description = await api.error(method, 400, chat_id=street.group.id, **params)
        assert description.startswith("Bad Request: ") and expected in description


async def test_invite_link_options_and_missing_requests(
    api: Api, sandbox: Sandbox, street: Street
) -> None:
    await sandbox.promote_bot(street.group, by=street.anna, can_invite_users=True)
    chat = street.group.id
    description = await api.error(
        "createChatInviteLink", 400, chat_id=chat, creates_join_request=True, member_limit=5
    )
    assert "member limit" in description
    for method in ("approveChatJoinRequest", "declineChatJoinRequest"):
        description = await api.error(method, 400, chat_id=chat, user_id=street.kees.id)
        assert description == "Bad Request: HIDE_REQUESTER_MISSING"


async def test_cannot_ban_administrators(api: Api, sandbox: Sandbox, street: Street) -> None:
    await sandbox.promote_bot(street.group, by=street.anna, can_restrict_members=True)
    description = await api.error(
        "banChatMember", 400, chat_id=street.group.id, user_id=street.anna.id
    )
    assert description == "Bad Request: can't remove chat owner"
    await street.group.promote(street.piet, by=street.anna)
    description = await api.error(
        "banChatMember", 400, chat_id=street.group.id, user_id=street.piet.id
    )
    assert description == "Bad Request: user is an administrator of the chat"
    assert street.group.status(street.piet) == "administrator"


# -- messages ------------------------------------------------------------------------------


async def test_edit_without_changes(api: Api, street: Street) -> None:
    markup = keyboard({"text": "a", "callback_data": "a"})
    sent = await api.ok(
        "sendMessage",
        chat_id=street.group.id,
        text="<b>x</b>",
        parse_mode="HTML",
        reply_markup=markup,
    )
    ids = {"chat_id": street.group.id, "message_id": sent["message_id"]}
    description = await api.error(
        "editMessageText", 400, text="<b>x</b>", parse_mode="HTML", reply_markup=markup, **ids
    )
    assert description.startswith("Bad Request: message is not modified: ")
    description = await api.error("editMessageReplyMarkup", 400, reply_markup=markup, **ids)
    assert description.startswith("Bad Request: message is not modified: ")
    # Same text without the markup is a change: Telegram drops the keyboard.
    edited = await api.ok("editMessageText", text="<b>x</b>", parse_mode="HTML", **ids)
    assert "reply_markup" not in edited


async def test_edits_only_take_inline_keyboards(api: Api, street: Street) -> None:
    sent = await api.ok("sendMessage", chat_id=street.group.id, text="x")
    ids = {"chat_id": street.group.id, "message_id": sent["message_id"]}
    reply_keyboard = {"keyboard": [[{"text": "ja"}]]}
    for method, extra in (("editMessageText", {"text": "y"}), ("editMessageReplyMarkup", {})):
        description = await api.error(method, 400, reply_markup=reply_keyboard, **ids, **extra)
        assert description == "Bad Request: inline keyboard expected"
    assert street.group.messages[sent["message_id"]].text == "x"


async def test_unknown_messages(api: Api, street: Street) -> None:
    chat = street.group.id
    assert await api.error("editMessageText", 400, chat_id=chat, message_id=999, text="x") == (
        "Bad Request: message to edit not found"
    )
    assert await api.error("editMessageReplyMarkup", 400, chat_id=chat, message_id=999) == (
        "Bad Request: message to edit not found"
    )
    assert await api.error("deleteMessage", 400, chat_id=chat, message_id=999) == (
        "Bad Request: message to delete not found"
    )
    sent = await api.ok("sendMessage", chat_id=chat, text="x")
    assert await api.ok("deleteMessage", chat_id=chat, message_id=sent["message_id"]) is True
    assert await api.error("deleteMessage", 400, chat_id=chat, message_id=sent["message_id"]) == (
        "Bad Request: message to delete not found"
    )


async def test_people_messages_need_rights_to_delete(api: Api, street: Street) -> None:
    message = await street.piet.send(street.group, "spam")
    description = await api.error(
        "deleteMessage", 400, chat_id=street.group.id, message_id=message.message_id
    )
    assert description == "Bad Request: message can't be deleted"


async def test_old_messages_cannot_be_deleted(api: Api, sandbox: Sandbox, street: Street) -> None:
    """Bot API deleteMessage: only messages sent less than 48 hours ago."""
    ids = []
    for _ in range(2):
        sent = await api.ok("sendMessage", chat_id=street.group.id, text="oud")
        ids.append(sent["message_id"])
    sandbox.advance_time(47 * 3600)
    assert await api.ok("deleteMessage", chat_id=street.group.id, message_id=ids[0]) is True
    sandbox.advance_time(3600)
    description = await api.error("deleteMessage", 400, chat_id=street.group.id, message_id=ids[1])
    assert description == "Bad Request: message can't be deleted"
    assert not street.group.messages[ids[1]].deleted


async def test_supergroup_admins_delete_any_age(api: Api, sandbox: Sandbox, street: Street) -> None:
    big = await street.group.migrate_to_supergroup()
    message = await street.piet.send(big, "oud nieuws")
    sandbox.advance_time(72 * 3600)
    await sandbox.promote_bot(big, by=street.anna, can_delete_messages=True)
    assert await api.ok("deleteMessage", chat_id=big.id, message_id=message.message_id) is True


async def test_callback_query_url_must_be_a_start_link(api: Api, street: Street) -> None:
    sent = await api.ok(
        "sendMessage",
        chat_id=street.group.id,
        text="x",
        reply_markup=keyboard({"text": "a", "callback_data": "a"}),
    )
    message = street.group.messages[sent["message_id"]]
    for url in (
        "https://buurt.example/",
        "https://t.me/other_bot?start=abc",
        "https://t.me/buurtbot_test",
        "https://t.me/buurtbot_test?start=a b",
    ):
        press = await street.piet.press(message, "a")
        description = await api.error(
            "answerCallbackQuery", 400, callback_query_id=press.query_id, url=url
        )
        assert description == "Bad Request: URL_INVALID", url
    for url in ("https://t.me/buurtbot_test?start=welkom", "t.me/BuurtBot_Test?start=x-1"):
        press = await street.piet.press(message, "a")
        await api.ok("answerCallbackQuery", callback_query_id=press.query_id, url=url)
        answer = await press.wait()
        assert answer.url == url


async def test_callback_query_answers(api: Api, street: Street) -> None:
    sent = await api.ok(
        "sendMessage",
        chat_id=street.group.id,
        text="x",
        reply_markup=keyboard({"text": "a", "callback_data": "a"}),
    )
    message = street.group.messages[sent["message_id"]]
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert await api.error("answerCallbackQuery", 400, callback_query_id="nope") == too_old
    press = await street.piet.press(message, "a")
    assert (
        await api.error(
            "answerCallbackQuery", 400, callback_query_id=press.query_id, text="x" * 201
        )
        == "Bad Request: MESSAGE_TOO_LONG"
    )
    await api.ok("answerCallbackQuery", callback_query_id=press.query_id, text="x" * 200)
    assert await api.error("answerCallbackQuery", 400, callback_query_id=press.query_id) == too_old


# -- commands ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("commands", "expected"),
    [
        ([{"command": "Start", "description": "x"}], "BOT_COMMAND_INVALID"),
        ([{"command": "a" * 33, "description": "x"}], "BOT_COMMAND_INVALID"),
        ([{"command": "", "description": "x"}], "BOT_COMMAND_INVALID"),
        ([{"command": "my-cmd", "description": "x"}], "BOT_COMMAND_INVALID"),
        ([{"command": "ok", "description": ""}], "BOT_COMMAND_DESCRIPTION_INVALID"),
        ([{"command": "ok", "description": "x" * 257}], "BOT_COMMAND_DESCRIPTION_INVALID"),
        ([{"command": f"c{i}", "description": "x"} for i in range(101)], "BOT_COMMANDS_TOO_MUCH"),
    ],
)
async def test_invalid_commands(api: Api, commands: list[Any], expected: str) -> None:
    assert await api.error("setMyCommands", 400, commands=commands) == f"Bad Request: {expected}"


async def test_valid_command_limits(api: Api, sandbox: Sandbox) -> None:
    commands = [{"command": f"c_{i}" + "x" * 26, "description": "d" * 256} for i in range(100)]
    assert await api.ok("setMyCommands", commands=commands) is True
    assert sandbox.commands() == commands
    description = await api.error(
        "setMyCommands", 400, commands=commands[:1], scope={"type": "everywhere"}
    )
    assert "scope" in description


# -- chat permissions and direct adds -------------------------------------------------------


async def test_set_chat_permissions_needs_the_right_and_a_change(
    api: Api, sandbox: Sandbox, street: Street
) -> None:
    chat = street.group.id
    closed = {"can_send_messages": True, "can_invite_users": False}
    description = await api.error("setChatPermissions", 400, chat_id=chat, permissions=closed)
    assert description == "Bad Request: not enough rights to change chat permissions"
    await sandbox.promote_bot(street.group, by=street.anna, can_restrict_members=True)
    assert await api.ok("setChatPermissions", chat_id=chat, permissions=closed) is True
    info = await api.ok("getChat", chat_id=chat)
    # A permission left out of the object is taken away: it replaces them all.
    assert info["permissions"]["can_invite_users"] is False
    assert info["permissions"]["can_send_polls"] is False
    assert info["permissions"]["can_send_messages"] is True
    again = await api.error("setChatPermissions", 400, chat_id=chat, permissions=closed)
    assert again == "Bad Request: CHAT_NOT_MODIFIED"
    wrong = await api.error("setChatPermissions", 400, chat_id=chat, permissions={"can_fly": True})
    assert wrong == "Bad Request: can't parse permissions JSON object"


async def test_members_add_people_only_while_the_chat_allows_it(
    api: Api, sandbox: Sandbox, street: Street
) -> None:
    await street.group.add_member(street.kees, by=street.piet)  # allowed by default
    assert street.group.status(street.kees) == "member"
    await sandbox.promote_bot(street.group, by=street.anna, can_restrict_members=True)
    permissions = dict(street.group.permissions, can_invite_users=False)
    await api.ok("setChatPermissions", chat_id=street.group.id, permissions=permissions)
    other = sandbox.add_user("Bram")
    with pytest.raises(AssertionError, match="may not add members"):
        await street.group.add_member(other, by=street.piet)
    await street.group.add_member(other, by=street.anna)  # the creator always may
    assert street.group.status(other) == "member"
