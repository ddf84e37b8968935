"""Request decoding, the manual-demo world API and the command line entry point."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox import Sandbox
from sandbox.__main__ import parse_args
from sandbox.methods import METHODS
from sandbox.params import Params

from .conftest import Api, Street

ROOT = Path(__file__).resolve().parents[2]


async def test_form_encoded_like_ptb(api: Api, street: Street) -> None:
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "1"}]]}
    response = await api.client.post(
        api.sb.method_url("sendMessage"),
        data={
            "chat_id": str(street.group.id),
            "text": "123",  # stays a string even though it looks like JSON
            "reply_markup": json.dumps(markup),
            "disable_notification": "true",
        },
    )
    body = response.json()
    assert body["ok"], body
    assert body["result"]["text"] == "123"
    assert body["result"]["reply_markup"] == markup
    call = api.sb.calls[-1]
    assert call.params["chat_id"] == street.group.id
    assert call.params["reply_markup"] == markup
    assert call.params["disable_notification"] is True


async def test_get_with_query_string_and_case_insensitive_names(api: Api) -> None:
    response = await api.client.get(api.sb.method_url("GETME"))
    assert response.json()["result"]["username"] == "buurtbot_test"
    response = await api.client.get(
        api.sb.method_url("getupdates"), params={"timeout": "0", "offset": "-1"}
    )
    assert response.json() == {"ok": True, "result": []}
    assert [c.method for c in api.sb.calls] == ["getMe", "getUpdates"]


async def test_multipart_attach_uri(api: Api, street: Street) -> None:
    response = await api.client.post(
        api.sb.method_url("sendDocument"),
        data={"chat_id": str(street.group.id), "document": "attach://file1"},
        files={"file1": ("lijst.txt", b"hallo", "text/plain")},
    )
    document = response.json()["result"]["document"]
    assert (document["file_name"], document["file_size"]) == ("lijst.txt", 5)


async def test_bad_bodies(api: Api) -> None:
    response = await api.client.post(
        api.sb.method_url("getMe"), content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["description"].startswith("Bad Request: can't parse JSON")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"no boundary"),
        ("multipart/form-data; boundary=xyz", b"garbage"),
        ("multipart/form-data; boundary=xyz", b'--xyz\r\nContent-Disposition: form-data; name="a"'),
        ("multipart/form-data; boundary=xyz", b"--xyz\r\nbroken header\r\n\r\nx\r\n--xyz--\r\n"),
    ],
)
async def test_malformed_multipart_is_a_bad_request(
    api: Api, content_type: str, body: bytes
) -> None:
    response = await api.client.post(
        api.sb.method_url("sendMessage"), content=body, headers={"content-type": content_type}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: can't parse multipart/form-data request body",
    }
    assert api.sb.calls[-1].error_code == 400
    assert not api.sb.server.internal_errors


def test_params_coercion() -> None:
    p = Params({"a": "12", "b": "false", "c": "@kerklaan", "d": '{"x": 1}', "e": 1.0})
    assert p.get_int("a") == 12 and p.opt_int("e") == 1
    assert p.get_bool("b") is False and p.get_bool("missing", True) is True
    assert p.chat_id("c") == "@kerklaan" and p.chat_id("a") == 12
    assert p.get_json("d") == {"x": 1}
    assert p.get_str("a") == "12"


async def test_username_chat_ids(api: Api, sandbox: Sandbox) -> None:
    anna = sandbox.add_user("Anna")
    group = sandbox.add_group("Wijk", admins=[anna], supergroup=True, username="dewijk")
    await group.add_bot(by=anna)
    sent = await api.ok("sendMessage", chat_id="@dewijk", text="hoi")
    assert sent["chat"] == {
        "id": group.id,
        "type": "supergroup",
        "title": "Wijk",
        "username": "dewijk",
    }


async def test_internal_errors_surface(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_: Any) -> Any:
        raise ZeroDivisionError

    monkeypatch.setitem(METHODS, "getme", ("getMe", broken))
    with pytest.raises(RuntimeError, match="the sandbox itself failed"):  # noqa: PT012
        async with Sandbox() as sb, httpx.AsyncClient() as client:
            response = await client.get(sb.method_url("getMe"))
            assert response.status_code == 500


async def test_world_http_api(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url + "/_world") as client:

        async def post(path: str, **body: Any) -> Any:
            response = await client.post(path, json=body)
            assert response.status_code == 200, response.text
            return response.json()["result"]

        anna = await post("/users", first_name="Anna", language_code="nl")
        piet = await post("/users", first_name="Piet")
        group = await post(
            "/groups", title="Kerklaan", member_ids=[piet["id"]], admin_ids=[anna["id"]]
        )
        await post("/add_bot", chat_id=group["id"], by=anna["id"])
        await post(
            "/promote_bot", chat_id=group["id"], by=anna["id"], rights={"can_invite_users": True}
        )
        message = await post("/send", user_id=piet["id"], chat_id=group["id"], text="/help")
        assert message["entities"][0]["type"] == "bot_command"
        anonymous = await post(
            "/send", user_id=anna["id"], chat_id=group["id"], text="Beheer", anonymous=True
        )
        assert anonymous["from"]["username"] == "GroupAnonymousBot"
        assert anonymous["sender_chat"]["id"] == group["id"]

        async with httpx.AsyncClient() as bot_client:
            sent = (
                await bot_client.post(
                    sandbox.method_url("sendMessage"),
                    json={
                        "chat_id": group["id"],
                        "text": "menu",
                        "reply_markup": {
                            "inline_keyboard": [[{"text": "Ok", "callback_data": "ok"}]]
                        },
                    },
                )
            ).json()["result"]
        pressed = await post(
            "/press",
            user_id=piet["id"],
            chat_id=group["id"],
            message_id=sent["message_id"],
            text="Ok",
        )
        assert pressed["query_id"] in sandbox.world.callback_queries

        listed = (await client.get("/messages", params={"chat_id": group["id"]})).json()
        assert [m.get("text") for m in listed["result"]][-3:] == ["/help", "Beheer", "menu"]
        state = (await client.get("/state")).json()["result"]
        assert state["chats"][0]["bot_status"] == "administrator"

        refused = await client.post(
            "/send", json={"user_id": anna["id"], "chat_id": 1, "text": "x"}
        )
        assert refused.status_code == 400 and refused.json()["ok"] is False
        unknown = await client.post("/fly", json={})
        assert unknown.status_code == 404


def test_cli_arguments() -> None:
    args = parse_args(["--port", "9000", "--token", "1:A", "--bot-username", "b"])
    assert (args.port, args.token, args.bot_username, args.host) == (9000, "1:A", "b", "127.0.0.1")


async def test_cli_serves_until_interrupted() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox",
        "--port",
        "0",
        "--token",
        "42:CLI",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        assert line.startswith("base_url: http://127.0.0.1:")
        base_url = line.split(" ", 1)[1].strip()
        async with httpx.AsyncClient() as client:
            me = (await client.get(f"{base_url}42:CLI/getMe")).json()
        assert me["result"]["id"] == 42
    finally:
        process.terminate()
        await process.communicate()
