"""Decoding Bot API request parameters the way Telegram does.

Clients send JSON bodies, urlencoded forms or multipart forms. In forms every value is a
string, and nested objects (reply_markup, scope, commands, ...) are JSON-encoded strings, as
python-telegram-bot sends them. Values are decoded once so the call log shows real types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from sandbox.errors import bad_request

# Parameters that are strings even when they look like JSON ("123", "true", "[1]").
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "caption_parse_mode",
        "question",
        "question_parse_mode",
        "explanation",
        "explanation_parse_mode",
        "callback_query_id",
        "name",
        "url",
        "language_code",
        "invite_link",
        "description",
        "short_description",
        "custom_title",
        "secret_token",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "title",
        "type",
        "emoji",
        "ip_address",
        "certificate",
        "document",
        "photo",
    }
)


@dataclass(frozen=True)
class Upload:
    """A file sent as a multipart part."""

    field: str
    content: bytes
    filename: str | None
    content_type: str | None

    def __repr__(self) -> str:
        return f"<Upload {self.filename!r} {len(self.content)} bytes>"


def _decode_value(name: str, value: str) -> Any:
    if name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def read_params(request: web.Request) -> dict[str, Any]:
    """All parameters of a request: query string plus JSON, form or multipart body."""
    params: dict[str, Any] = {k: _decode_value(k, v) for k, v in request.query.items()}
    if not request.body_exists:
        return params
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON encoded request body") from None
        if not isinstance(body, dict):
            raise bad_request("request body must be a JSON object")
        params.update(body)
    elif ctype == "application/x-www-form-urlencoded":
        form = await request.post()
        params.update({k: _decode_value(k, str(v)) for k, v in form.items()})
    elif ctype.startswith("multipart/"):
        try:
            await _read_multipart(request, params)
        except (ValueError, HttpProcessingError):
            # aiohttp raises these for a missing boundary, a truncated body or broken part
            # headers. Telegram's exact wording for this case is unknown; the point is a 400
            # in the usual envelope instead of a plain-text 500.
            raise bad_request("can't parse multipart/form-data request body") from None
    return params


async def _read_multipart(request: web.Request, params: dict[str, Any]) -> None:
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.filename is not None:
            content = bytes(await part.read())
            ctype_part = part.headers.get("Content-Type")
            params[part.name] = Upload(part.name, content, part.filename, ctype_part)
        else:
            params[part.name] = _decode_value(part.name, await part.text())


class Params:
    """Typed access to decoded parameters, lenient about types in the way Telegram is."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        return self.raw.get(name) is not None

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, bool | int | float):
            return json.dumps(value)
        raise bad_request(f'field "{name}" must be of type String')

    def get_int(self, name: str) -> int:
        value = self.opt_int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def opt_int(self, name: str) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f'field "{name}" must be of type Integer')

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        raise bad_request(f'field "{name}" must be of type Boolean')

    def get_json(self, name: str) -> Any:
        """An object/array parameter, JSON-decoding it if it came as a string."""
        value = self.raw.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id") -> int | str:
        value = self.raw.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, str) and value.startswith("@"):
            return value
        number = self.opt_int(name)
        if number is None:
            raise bad_request("chat not found")
        return number

    def file(self, name: str) -> Upload | str:
        value = self.raw.get(name)
        if isinstance(value, Upload):
            return value
        if isinstance(value, str) and value.startswith("attach://"):
            attached = self.raw.get(value.removeprefix("attach://"))
            if isinstance(attached, Upload):
                return attached
        if isinstance(value, str) and value:
            return value
        raise bad_request(f"there is no {name} in the request")
