"""The people-facing world API: conversations read like conversations, test bugs fail loudly."""

from __future__ import annotations

import asyncio

import pytest

from sandbox import Sandbox

from .conftest import Api, Street


async def test_ids_and_chats(sandbox: Sandbox) -> None:
    anna = sandbox.add_user("Anna", username="anna")
    piet = sandbox.add_user("Piet")
    group = sandbox.add_group("Kerklaan", members=[anna, piet], admins=[anna])
    big = sandbox.add_group("Wijk", members=[piet], supergroup=True)
    assert 0 < anna.id < piet.id
    assert group.id < 0 and group.type == "group"
    assert str(big.id).startswith("-100") and big.type == "supergroup"
    assert (anna.dm.id, anna.dm.type) == (anna.id, "private")
    assert group.status(anna) == "creator" and group.status(piet) == "member"
    assert group.bot_member.status == "left"
    assert sandbox.bot.is_bot and sandbox.bot.username == "buurtbot_test"


async def test_messages_commands_and_replies(api: Api, street: Street) -> None:
    api.sb.privacy_mode = False
    setup = await street.anna.send(street.group, "/setup@buurtbot_test now")
    length = len("/setup@buurtbot_test")
    assert setup.entities == [{"type": "bot_command", "offset": 0, "length": length}]
    reply = await street.piet.send(street.group, "ik doe mee", reply_to=setup)
    updates = await api.ok("getUpdates")
    assert updates[-1]["message"]["reply_to_message"]["message_id"] == setup.message_id
    assert updates[-1]["message"]["from"]["id"] == street.piet.id
    assert updates[-1]["message"]["chat"]["title"] == "Kerklaan"
    assert isinstance(updates[-1]["message"]["date"], int)
    assert reply.html == "ik doe mee"
    assert [u["update_id"] for u in updates] == sorted(u["update_id"] for u in updates)


async def test_privacy_mode(api: Api, sandbox: Sandbox, street: Street) -> None:
    """On by default, as for new bots: a non-admin bot sees commands and replies to it."""
    me = await api.ok("getMe")
    assert me["can_read_all_group_messages"] is False
    await api.ok("getUpdates", offset=-1)
    await api.ok("getUpdates", offset=(await api.ok("getUpdates"))[-1]["update_id"] + 1)
    sent = await api.ok("sendMessage", chat_id=street.group.id, text="Vraag?")
    bot_message = street.group.messages[sent["message_id"]]
    for text in ("gewoon praten", "/help", "/help@buurtbot_test", "/help@other_bot"):
        await street.piet.send(street.group, text)
    await street.piet.send(street.group, "antwoord", reply_to=bot_message)
    await street.anna.send(street.anna.dm, "privé")
    texts = [u["message"]["text"] for u in await api.ok("getUpdates")]
    assert texts == ["/help", "/help@buurtbot_test", "antwoord", "privé"]

    await sandbox.promote_bot(street.group, by=street.anna, can_pin_messages=True)
    await street.piet.send(street.group, "admins zien alles")
    assert (await api.ok("getUpdates"))[-1]["message"]["text"] == "admins zien alles"
    sandbox.privacy_mode = False
    assert (await api.ok("getMe"))["can_read_all_group_messages"] is True


async def test_world_rules_are_enforced(sandbox: Sandbox, street: Street) -> None:
    with pytest.raises(AssertionError, match="not a member"):
        await street.kees.send(street.group, "ik hoor hier niet")
    with pytest.raises(AssertionError, match="another user's private chat"):
        await street.kees.send(street.anna.dm, "hoi")
    with pytest.raises(AssertionError, match="already in"):
        await street.group.add_bot(by=street.anna)
    with pytest.raises(AssertionError, match="lacks can_promote_members"):
        await sandbox.promote_bot(street.group, by=street.piet, can_invite_users=True)
    with pytest.raises(AssertionError, match="unknown administrator rights"):
        await sandbox.promote_bot(street.group, by=street.anna, can_fly=True)


async def test_next_bot_message_cursor_and_timeout(api: Api, street: Street) -> None:
    await api.ok("sendMessage", chat_id=street.group.id, text="een")
    await api.ok("sendMessage", chat_id=street.group.id, text="twee")
    assert (await street.group.next_bot_message()).text == "een"
    assert (await street.group.next_bot_message()).text == "twee"
    await api.error("sendMessage", 400, chat_id=street.group.id, text="")
    with pytest.raises(AssertionError) as info:
        await street.group.next_bot_message(timeout=0.05)
    summary = str(info.value)
    assert "no new bot message in <Chat" in summary
    assert "'twee'" in summary and "sendMessage 400 Bad Request: message text is empty" in summary
    await street.group.no_bot_message(timeout=0.01)


async def test_next_bot_message_waits(api: Api, street: Street) -> None:
    waiting = asyncio.create_task(street.anna.dm.next_bot_message(timeout=2))
    await asyncio.sleep(0.02)
    await api.ok("sendMessage", chat_id=street.anna.id, text="later")
    assert (await waiting).text == "later"
    assert [m.text for m in api.sb.messages_in(street.anna.dm)] == ["later"]


async def test_press_unknown_or_url_button(api: Api, street: Street) -> None:
    sent = await api.ok(
        "sendMessage",
        chat_id=street.group.id,
        text="links",
        reply_markup={"inline_keyboard": [[{"text": "Site", "url": "https://buurt.example"}]]},
    )
    message = street.group.messages[sent["message_id"]]
    with pytest.raises(AssertionError, match="no callback_data"):
        await street.piet.press(message, "Site")
    with pytest.raises(AssertionError, match="not a member"):
        await street.kees.press_data(message, "x")
    press = await street.piet.press_data(message, "x")
    with pytest.raises(AssertionError, match="did not answer callback query"):
        await press.wait(timeout=0.05)


async def test_join_request_approval_flow(api: Api, sandbox: Sandbox, street: Street) -> None:
    await sandbox.promote_bot(street.group, by=street.anna, can_invite_users=True)
    link = await api.ok("createChatInviteLink", chat_id=street.group.id, creates_join_request=True)
    await street.kees.request_join(link["invite_link"])
    assert street.group.status(street.kees) == "left"
    await api.ok("approveChatJoinRequest", chat_id=street.group.id, user_id=street.kees.id)
    assert street.group.status(street.kees) == "member"
    # The request is processed: the DM exception is over (Bot API ChatJoinRequest docs).
    await api.error("sendMessage", 403, chat_id=street.kees.id, text="welkom")
    await street.kees.send(street.group, "dank je")

    await street.group.leave(street.kees)
    await street.kees.request_join(link["invite_link"])
    await api.ok("declineChatJoinRequest", chat_id=street.group.id, user_id=street.kees.id)
    assert street.group.status(street.kees) == "left"


async def test_ban_unban_and_kick(api: Api, sandbox: Sandbox, street: Street) -> None:
    await sandbox.promote_bot(street.group, by=street.anna, can_restrict_members=True)
    await api.ok("banChatMember", chat_id=street.group.id, user_id=street.piet.id)
    with pytest.raises(AssertionError, match="not a member"):
        await street.piet.send(street.group, "hallo?")
    await api.ok("unbanChatMember", chat_id=street.group.id, user_id=street.piet.id)
    await street.group.join(street.piet)
    # Without only_if_banned an unban removes a present member, as Telegram documents.
    await api.ok(
        "unbanChatMember", chat_id=street.group.id, user_id=street.piet.id, only_if_banned=True
    )
    assert street.group.status(street.piet) == "member"
    await api.ok("unbanChatMember", chat_id=street.group.id, user_id=street.piet.id)
    assert street.group.status(street.piet) == "left"
    await street.group.join(street.kees)
    await street.group.kick(street.kees, by=street.anna)
    assert street.group.status(street.kees) == "kicked"


async def test_migration_carries_everything_over(
    api: Api, sandbox: Sandbox, street: Street
) -> None:
    await sandbox.promote_bot(street.group, by=street.anna, can_invite_users=True)
    new = await street.group.migrate_to_supergroup()
    assert new.status(street.anna) == "creator" and new.status(street.piet) == "member"
    assert new.bot_member.has("can_invite_users")
    assert new.migrated_from is street.group and street.group.migrated_to is new
    with pytest.raises(AssertionError, match="upgraded"):
        await street.piet.send(street.group, "oud")
    await street.piet.send(new, "nieuw")
    await api.ok("createChatInviteLink", chat_id=new.id)


async def test_polls_validate_votes(api: Api, street: Street) -> None:
    sent = await api.ok("sendPoll", chat_id=street.group.id, question="Q", options=["a", "b"])
    message = street.group.messages[sent["message_id"]]
    with pytest.raises(AssertionError, match="only one answer"):
        await street.piet.vote(message, [0, 1])
    with pytest.raises(AssertionError, match="out of range"):
        await street.piet.vote(message, [5])
    await street.piet.vote(message, [1])
    await street.piet.vote(message, [])  # retract
    assert message.poll is not None and message.poll.counts() == [0, 0]
    await api.ok("stopPoll", chat_id=street.group.id, message_id=sent["message_id"])
    with pytest.raises(AssertionError, match="closed"):
        await street.anna.vote(message, [0])


async def test_calls_log_and_wait_for_call(api: Api, sandbox: Sandbox) -> None:
    waiting = asyncio.create_task(sandbox.wait_for_call("setMyCommands", timeout=2))
    await asyncio.sleep(0.01)
    commands = [{"command": "start", "description": "Begin"}]
    await api.ok("SETMYCOMMANDS", commands=commands)  # method names ignore case
    call = await waiting
    assert call.method == "setMyCommands" and call.ok and call.result is True
    assert call.params == {"commands": commands}
    with pytest.raises(AssertionError, match="no setMyCommands call"):
        await sandbox.wait_for_call("setMyCommands", timeout=0.05)  # each call returned once
    await api.error("setMyCommands", 400, commands=[{"command": "X", "description": "x"}])
    failed = await sandbox.wait_for_call("setMyCommands", where=lambda c: not c.ok)
    assert (failed.error_code, failed.description) == (400, "Bad Request: BOT_COMMAND_INVALID")
    assert [c.method for c in sandbox.calls_to("setmycommands")] == ["setMyCommands"] * 2


async def test_wait_for_call_never_skips_a_matching_call(api: Api, sandbox: Sandbox) -> None:
    """A predicate that matches a later call must not hide earlier ones from other waits."""
    commands = [{"command": "start", "description": "Begin"}]
    await api.error("setMyCommands", 400, commands=[{"command": "X", "description": "x"}])
    await api.ok("setMyCommands", commands=commands)
    succeeded = await sandbox.wait_for_call("setMyCommands", where=lambda c: bool(c.ok))
    assert succeeded.ok is True
    failed = await sandbox.wait_for_call("setMyCommands")
    assert failed.ok is False
    with pytest.raises(AssertionError, match="no setMyCommands call"):
        await sandbox.wait_for_call("setMyCommands", timeout=0.05)
    await api.ok("setMyCommands", commands=commands)
    assert (await sandbox.wait_for_call("setMyCommands")) is sandbox.calls[-1]


async def test_fail_method_on_purpose(api: Api, sandbox: Sandbox) -> None:
    commands = [{"command": "start", "description": "Begin"}]
    sandbox.fail_method("setMyCommands", times=2)
    for _ in range(2):
        assert await api.error("setMyCommands", 500, commands=commands) == ("Internal Server Error")
    assert await api.ok("setMyCommands", commands=commands) is True
    sandbox.fail_method("getMe", error_code=502, description="Bad Gateway")
    for _ in range(3):
        assert await api.error("getMe", 502) == "Bad Gateway"
    sandbox.clear_failures()
    await api.ok("getMe")
    sandbox.fail_method(
        "sendMessage",
        429,
        "Too Many Requests: retry after 3",
        times=1,
        parameters={"retry_after": 3},
    )
    response = await api.call("sendMessage", chat_id=1, text="x")
    assert response.json()["parameters"] == {"retry_after": 3}
