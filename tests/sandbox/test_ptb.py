"""python-telegram-bot 22 talks to the sandbox and parses every answer and update fully."""

from __future__ import annotations

import io

import pytest
import telegram
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ChatFullInfo,
    ChatInviteLink,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken

from sandbox import Sandbox

from .conftest import TOKEN, Street, assert_fully_parsed


def markup(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in pairs]]
    )


async def fetch(bot: telegram.Bot) -> list[Update]:
    """Everything queued, acknowledged, each update checked for unknown fields."""
    updates = await bot.get_updates(timeout=0, allowed_updates=Update.ALL_TYPES)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    for update in updates:
        assert_fully_parsed(update)
    return list(updates)


async def test_get_me_and_wrong_token(bot: telegram.Bot, sandbox: Sandbox) -> None:
    me = await bot.get_me()
    assert_fully_parsed(me)
    assert (me.id, me.username, me.is_bot) == (123456, "buurtbot_test", True)
    assert me.id == sandbox.bot.id
    wrong = telegram.Bot("123456:OTHER", base_url=sandbox.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    await wrong.shutdown()


async def test_send_and_edit_messages(bot: telegram.Bot, street: Street) -> None:
    group = street.group
    sent = await bot.send_message(
        group.id,
        "<b>Welkom</b> in de <a href='https://example.org'>straat</a> 🏠",
        parse_mode=ParseMode.HTML,
        reply_markup=markup(("Meedoen", "join:1"), ("Nee", "no")),
    )
    assert_fully_parsed(sent)
    assert sent.text == "Welkom in de straat 🏠"
    assert sent.text_html == '<b>Welkom</b> in de <a href="https://example.org">straat</a> 🏠'
    assert sent.from_user is not None and sent.from_user.id == 123456
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "join:1"

    world = await group.next_bot_message()
    assert world.message_id == sent.message_id
    assert world.html.startswith("<b>Welkom</b>")
    assert world.buttons[0][1] == {"text": "Nee", "callback_data": "no", "url": None}

    edited = await bot.edit_message_text(
        "<i>Vol</i>", group.id, sent.message_id, parse_mode=ParseMode.HTML
    )
    assert isinstance(edited, telegram.Message)
    assert_fully_parsed(edited)
    assert edited.edit_date is not None and edited.text == "Vol"
    rekeyed = await bot.edit_message_reply_markup(
        group.id, sent.message_id, reply_markup=markup(("Opnieuw", "again"))
    )
    assert isinstance(rekeyed, telegram.Message)
    assert_fully_parsed(rekeyed)
    assert world.text == "Vol" and world.button_texts == ["Opnieuw"]
    assert [version.method for version in world.edits] == [
        "editMessageText",
        "editMessageReplyMarkup",
    ]
    assert world.history[0].text == "Welkom in de straat 🏠"

    reply = await bot.send_message(group.id, "antwoord", reply_to_message_id=sent.message_id)
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == sent.message_id

    assert await bot.delete_message(group.id, sent.message_id) is True
    assert world.deleted


async def test_callback_queries(bot: telegram.Bot, street: Street) -> None:
    sent = await bot.send_message(street.group.id, "Kies", reply_markup=markup(("Ja", "yes")))
    message = street.group.messages[sent.message_id]
    await fetch(bot)
    press = await street.piet.press(message, "Ja")
    (update,) = await fetch(bot)
    query = update.callback_query
    assert query is not None and query.data == "yes" and query.from_user.id == street.piet.id
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await query.answer("Genoteerd", show_alert=True) is True
    answer = await press.wait(timeout=1)
    assert (answer.text, answer.show_alert) == ("Genoteerd", True)

    forged = await street.piet.press_data(message, "admin:delete_all")
    (update,) = await fetch(bot)
    assert update.callback_query is not None
    assert update.callback_query.data == "admin:delete_all"
    assert forged.query_id == update.callback_query.id
    with pytest.raises(AssertionError, match="no button 'Nee'"):
        await street.piet.press(message, "Nee")


async def test_chat_lookups(bot: telegram.Bot, sandbox: Sandbox, street: Street) -> None:
    group = street.group
    await sandbox.promote_bot(
        group, by=street.anna, can_invite_users=True, can_restrict_members=True
    )
    info = await bot.get_chat(group.id)
    assert isinstance(info, ChatFullInfo)
    assert_fully_parsed(info)
    assert (info.title, info.type) == ("Kerklaan", "group")
    private = await bot.get_chat(street.anna.id)
    assert_fully_parsed(private)
    assert (private.type, private.first_name, private.username) == ("private", "Anna", "anna")

    owner = await bot.get_chat_member(group.id, street.anna.id)
    member = await bot.get_chat_member(group.id, street.piet.id)
    outsider = await bot.get_chat_member(group.id, street.kees.id)
    me = await bot.get_chat_member(group.id, bot.id)
    assert isinstance(owner, ChatMemberOwner)
    assert isinstance(member, ChatMemberMember)
    assert isinstance(outsider, ChatMemberLeft)
    assert isinstance(me, ChatMemberAdministrator)
    assert me.can_invite_users and me.can_restrict_members and not me.can_promote_members
    for obj in (owner, member, outsider, me):
        assert_fully_parsed(obj)

    admins = await bot.get_chat_administrators(group.id)
    assert [a.user.id for a in admins] == [street.anna.id, bot.id]
    assert await bot.get_chat_member_count(group.id) == 3

    assert await bot.ban_chat_member(group.id, street.piet.id) is True
    banned = await bot.get_chat_member(group.id, street.piet.id)
    assert isinstance(banned, ChatMemberBanned)
    assert_fully_parsed(banned)
    assert await bot.unban_chat_member(group.id, street.piet.id) is True
    assert isinstance(await bot.get_chat_member(group.id, street.piet.id), ChatMemberLeft)
    assert await bot.leave_chat(group.id) is True
    with pytest.raises(Forbidden, match="not a member"):
        await bot.get_chat(group.id)


async def test_invite_links_and_join_requests(
    bot: telegram.Bot, sandbox: Sandbox, street: Street
) -> None:
    group, kees = street.group, street.kees
    await sandbox.promote_bot(group, by=street.anna, can_invite_users=True)
    link = await bot.create_chat_invite_link(group.id, name="buren", creates_join_request=True)
    assert isinstance(link, ChatInviteLink)
    assert_fully_parsed(link)
    assert link.creates_join_request and link.name == "buren" and not link.is_revoked
    assert sandbox.invite_links[link.invite_link].chat_id == group.id
    await fetch(bot)

    await kees.request_join(link.invite_link)
    (update,) = await fetch(bot)
    request = update.chat_join_request
    assert request is not None and request.user_chat_id == kees.id
    assert request.invite_link is not None and request.invite_link.invite_link == link.invite_link
    assert await request.approve() is True
    updates = await fetch(bot)
    assert [u.chat_member is not None for u in updates] == [True, False]
    assert updates[0].chat_member is not None
    assert updates[0].chat_member.new_chat_member.status == "member"
    assert updates[1].message is not None
    assert [u.id for u in updates[1].message.new_chat_members] == [kees.id]

    revoked = await bot.revoke_chat_invite_link(group.id, link.invite_link)
    assert_fully_parsed(revoked)
    assert revoked.is_revoked
    with pytest.raises(AssertionError, match="revoked"):
        await street.piet.request_join(link.invite_link)

    direct = await bot.create_chat_invite_link(group.id, member_limit=1)
    await group.leave(kees)
    await kees.request_join(direct)  # no approval needed: joins straight away
    assert group.status(kees) == "member"


async def test_polls(bot: telegram.Bot, street: Street) -> None:
    open_poll = await bot.send_poll(
        street.group.id,
        "Welke dag?",
        ["za", "zo"],
        is_anonymous=False,
        allows_multiple_answers=True,
    )
    assert_fully_parsed(open_poll)
    assert open_poll.poll is not None and open_poll.poll.question == "Welke dag?"
    message = street.group.messages[open_poll.message_id]
    assert message.text == "Welke dag?"
    await fetch(bot)
    await street.piet.vote(message, [0, 1])
    answer, poll = await fetch(bot)
    assert answer.poll_answer is not None and answer.poll_answer.option_ids == (0, 1)
    assert answer.poll_answer.user is not None
    assert answer.poll_answer.user.id == street.piet.id
    assert poll.poll is not None and [o.voter_count for o in poll.poll.options] == [1, 1]
    stopped = await bot.stop_poll(street.group.id, open_poll.message_id)
    assert_fully_parsed(stopped)
    assert stopped.is_closed and stopped.total_voter_count == 1

    anonymous = await bot.send_poll(street.group.id, "Anoniem?", ["ja", "nee"])
    await fetch(bot)
    await street.anna.vote(street.group.messages[anonymous.message_id], [1])
    (update,) = await fetch(bot)
    assert update.poll is not None and update.poll.options[1].voter_count == 1
    quiz = await bot.send_poll(
        street.group.id, "2+2?", ["3", "4"], type="quiz", correct_option_ids=[1]
    )
    assert quiz.poll is not None and quiz.poll.correct_option_ids == (1,)


async def test_documents_and_photos(bot: telegram.Bot, street: Street) -> None:
    document = await bot.send_document(
        street.group.id,
        io.BytesIO(b"naam,straat\nAnna,Kerklaan\n"),
        filename="leden.csv",
        caption="<b>Export</b>",
        parse_mode=ParseMode.HTML,
    )
    assert_fully_parsed(document)
    assert document.document is not None and document.document.file_name == "leden.csv"
    assert document.caption == "Export" and document.caption_entities[0].type == "bold"
    world = await street.group.next_bot_message()
    assert world.file is not None and world.file.content == b"naam,straat\nAnna,Kerklaan\n"
    assert world.text == "Export"

    photo = await bot.send_photo(street.group.id, b"\x89PNG fake", caption="plaatje")
    assert_fully_parsed(photo)
    assert photo.photo and photo.caption == "plaatje"
    again = await bot.send_photo(street.group.id, photo.photo[-1].file_id)
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(street.group.id, "no-such-file-id")


async def test_commands_per_scope_and_language(
    bot: telegram.Bot, sandbox: Sandbox, street: Street
) -> None:
    nl = [BotCommand("start", "Begin"), BotCommand("help", "Hulp")]
    assert await bot.set_my_commands(nl, scope=BotCommandScopeAllPrivateChats(), language_code="nl")
    assert await bot.set_my_commands(
        [BotCommand("setup", "Setup")], scope=BotCommandScopeChat(street.group.id)
    )
    stored = sandbox.commands(scope={"type": "all_private_chats"}, language_code="nl")
    assert stored == [
        {"command": "start", "description": "Begin"},
        {"command": "help", "description": "Hulp"},
    ]
    assert (
        sandbox.commands(scope={"type": "chat", "chat_id": street.group.id})[0]["command"]
        == "setup"
    )
    assert sandbox.commands() == []
    got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="nl")
    assert [c.command for c in got] == ["start", "help"]
    assert await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="nl")
    assert (
        await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="nl") == ()
    )


async def test_membership_updates_parse(bot: telegram.Bot, sandbox: Sandbox) -> None:
    anna = sandbox.add_user("Anna")
    piet = sandbox.add_user("Piet")
    group = sandbox.add_group("Kerklaan", members=[piet], admins=[anna])
    await group.add_bot(by=anna, payload="tok123")
    added, service, start = await fetch(bot)
    assert added.my_chat_member is not None
    assert added.my_chat_member.from_user.id == anna.id
    assert added.my_chat_member.old_chat_member.status == "left"
    assert added.my_chat_member.new_chat_member.status == "member"
    assert service.message is not None
    assert [u.id for u in service.message.new_chat_members] == [bot.id]
    assert start.message is not None and start.message.text == "/start@buurtbot_test tok123"
    assert start.message.entities[0].type == "bot_command"
    assert start.message.entities[0].length == len("/start@buurtbot_test")

    await sandbox.promote_bot(group, by=anna, can_invite_users=True, can_restrict_members=True)
    kees = sandbox.add_user("Kees")
    await group.join(kees)
    await group.leave(piet)
    await group.kick(kees, by=anna)
    updates = await fetch(bot)
    kinds = [next(k for k in u.to_dict() if k != "update_id") for u in updates]
    assert kinds == [
        "my_chat_member",
        "chat_member",
        "message",
        "chat_member",
        "message",
        "chat_member",
        "message",
    ]
    promoted = updates[0].my_chat_member
    assert promoted is not None
    assert isinstance(promoted.new_chat_member, ChatMemberAdministrator)
    assert promoted.new_chat_member.can_invite_users
    kicked = updates[5].chat_member
    assert kicked is not None and kicked.new_chat_member.status == "kicked"
    assert kicked.from_user.id == anna.id
    assert updates[6].message is not None
    assert updates[6].message.left_chat_member is not None

    new = await group.migrate_to_supergroup()
    old_side, new_side = await fetch(bot)
    assert old_side.message is not None and old_side.message.migrate_to_chat_id == new.id
    assert new_side.message is not None and new_side.message.migrate_from_chat_id == group.id
    assert str(new.id).startswith("-100") and new.type == "supergroup"
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(group.id, "hallo")
    assert info.value.new_chat_id == new.id
    member = await bot.get_chat_member(new.id, bot.id)
    assert isinstance(member, ChatMemberAdministrator) and member.can_invite_users
    full = await bot.get_chat(new.id)
    assert_fully_parsed(full)
    assert (full.type, full.title) == ("supergroup", "Kerklaan")

    await group_removal(bot, sandbox)


async def group_removal(bot: telegram.Bot, sandbox: Sandbox) -> None:
    anna = sandbox.add_user("Anna2")
    group = sandbox.add_group("Weg", admins=[anna])
    await group.add_bot(by=anna)
    await group.remove_bot(by=anna)
    updates = await fetch(bot)
    removed = updates[-2].my_chat_member
    assert removed is not None and removed.new_chat_member.status == "kicked"
    assert updates[-1].message is not None and updates[-1].message.left_chat_member is not None
    with pytest.raises(Forbidden, match="kicked"):
        await bot.send_message(group.id, "hallo")


async def test_bot_bans_and_leaves_visibly(
    bot: telegram.Bot, sandbox: Sandbox, street: Street
) -> None:
    """Both show up as left_chat_member service messages, as when a person does it."""
    group = street.group
    await sandbox.promote_bot(group, by=street.anna, can_restrict_members=True)
    await fetch(bot)
    assert await bot.ban_chat_member(group.id, street.piet.id) is True
    banned, service = await fetch(bot)
    assert banned.chat_member is not None and banned.chat_member.from_user.id == bot.id
    assert service.message is not None and service.message.from_user is not None
    assert service.message.from_user.id == bot.id
    assert service.message.left_chat_member is not None
    assert service.message.left_chat_member.id == street.piet.id
    await bot.ban_chat_member(group.id, street.kees.id)  # never joined: nothing to show
    assert [u.chat_member is not None for u in await fetch(bot)] == [True]
    assert sandbox.messages_in(group) == []  # service messages are not the bot's messages

    assert await bot.leave_chat(group.id) is True
    left, service = await fetch(bot)
    assert left.my_chat_member is not None
    assert left.my_chat_member.new_chat_member.status == "left"
    assert service.message is not None and service.message.left_chat_member is not None
    assert service.message.left_chat_member.id == bot.id


async def test_anonymous_administrators(
    bot: telegram.Bot, sandbox: Sandbox, street: Street
) -> None:
    group = street.group
    with pytest.raises(AssertionError, match="only administrators"):
        await street.piet.send(group, "/help", anonymous=True)
    with pytest.raises(AssertionError, match="only administrators"):
        await street.anna.send(street.anna.dm, "hoi", anonymous=True)
    await fetch(bot)
    sent = await street.anna.send(group, "/help", anonymous=True)
    await street.anna.send(group, "privacy mode hides this", anonymous=True)
    (update,) = await fetch(bot)
    message = update.message
    assert message is not None and message.text == "/help"
    assert message.from_user is not None and message.from_user.to_dict() == {
        "id": 1087968824,
        "is_bot": True,
        "first_name": "Group",
        "username": "GroupAnonymousBot",
    }
    assert message.sender_chat is not None and message.sender_chat.id == group.id
    assert not sent.from_bot and sandbox.messages_in(group) == []
    await bot.send_message(group.id, "Wie is daar?", reply_to_message_id=sent.message_id)


async def test_creator_deletes_the_group(
    bot: telegram.Bot, sandbox: Sandbox, street: Street
) -> None:
    group = street.group
    await fetch(bot)
    with pytest.raises(AssertionError, match="only the creator"):
        await group.delete(by=street.piet)
    await group.delete(by=street.anna)
    (update,) = await fetch(bot)
    change = update.my_chat_member
    assert change is not None and change.from_user.id == street.anna.id
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("member", "left")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(group.id, "hallo?")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat(group.id)
    with pytest.raises(AssertionError, match="was deleted"):
        await street.piet.send(group, "hallo?")

    public = sandbox.add_group("Wijk", admins=[street.anna], supergroup=True, username="wijk")
    await public.delete(by=street.anna)  # without the bot: no update
    assert await fetch(bot) == []
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat("@wijk")


async def test_private_chat_updates(bot: telegram.Bot, sandbox: Sandbox) -> None:
    anna = sandbox.add_user("Anna", language_code="nl")
    await anna.start("invite_abc")
    await anna.block_bot()
    await anna.send(anna.dm, "hoi")  # typing again unblocks (and tells the bot)
    start, blocked, unblocked, hoi = await fetch(bot)
    assert start.message is not None and start.message.text == "/start invite_abc"
    assert start.message.chat.type == "private" and start.message.chat.id == anna.id
    assert start.message.from_user is not None
    assert start.message.from_user.language_code == "nl"
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    assert unblocked.my_chat_member is not None
    assert unblocked.my_chat_member.new_chat_member.status == "member"
    assert hoi.message is not None and hoi.message.text == "hoi"
    sent = await bot.send_message(anna.id, "Hallo Anna")
    assert (await anna.dm.next_bot_message()).message_id == sent.message_id


async def test_token_mismatch_in_base_url_is_invalid(sandbox: Sandbox) -> None:
    bot = telegram.Bot(TOKEN, base_url=sandbox.url + "/nope")
    with pytest.raises(InvalidToken):
        await bot.initialize()
    await bot.shutdown()


async def test_webhook_switch_and_declined_requests(
    bot: telegram.Bot, sandbox: Sandbox, street: Street
) -> None:
    assert await bot.set_webhook("https://buurt.example/hook") is True
    assert sandbox.world.webhook_url == "https://buurt.example/hook"
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert await bot.get_updates(timeout=0) == ()

    await sandbox.promote_bot(street.group, by=street.anna, can_invite_users=True)
    link = await bot.create_chat_invite_link(street.group.id, creates_join_request=True)
    await street.kees.request_join(link)
    assert await bot.decline_chat_join_request(street.group.id, street.kees.id) is True
    assert street.group.status(street.kees) == "left"
    with pytest.raises(BadRequest, match=r"(?i)hide_requester_missing"):
        await bot.approve_chat_join_request(street.group.id, street.kees.id)
