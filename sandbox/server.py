"""The HTTP side: Bot API routing, authentication, failure injection and flood control.

Requests look like Telegram's: ``/bot<token>/<method>``, with JSON, urlencoded or multipart
bodies. Every request is recorded as a :class:`~sandbox.world.Call` so tests can assert on
what the bot asked for, including the calls that failed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sandbox.errors import NOT_FOUND, UNAUTHORIZED, ApiError
from sandbox.limits import FloodControl
from sandbox.methods import METHODS, Handler
from sandbox.params import Params, read_params
from sandbox.world import Call, World
from sandbox.worldapi import add_world_routes

log = logging.getLogger(__name__)


@dataclass
class Failure:
    """A deliberate failure for one method, for testing the bot's error handling."""

    error: ApiError
    remaining: int | None  # None: until cleared


@dataclass
class Faults:
    """Random trouble in a share of the bot's calls, as a bad day at Telegram would bring.

    A "timeout" does the call and then answers too late for the bot to hear it: the bot
    cannot know whether it happened, which is exactly the case that makes duplicates.
    """

    rate: float
    rng: random.Random
    hang: float  # seconds; longer than the bot's read timeout
    seen: Counter[str] = field(default_factory=Counter)

    def draw(self, method: str) -> str | None:
        if self.rng.random() >= self.rate:
            return None
        kinds = ["500", "502", "429"] + ([] if method == "getUpdates" else ["timeout"])
        kind = self.rng.choice(kinds)
        self.seen[kind] += 1
        return kind


class ApiServer:
    """The aiohttp application serving the Bot API and the ``/_world/`` demo API."""

    def __init__(self, world: World, flood: FloodControl, *, host: str, port: int) -> None:
        self.world = world
        self.flood = flood
        self.host = host
        self.port = port
        self.failures: dict[str, Failure] = {}
        self.faults: Faults | None = None
        self.internal_errors: list[BaseException] = []
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        add_world_routes(self.app, world)
        self.app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        self.app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(
            self.app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=1.0,
            handler_cancellation=True,  # a dropped long poll just ends; nothing is lost
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self.world.updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def fail(self, method: str, error: ApiError, times: int | None) -> None:
        self.failures[method.lower()] = Failure(error, times)

    def _take_failure(self, method: str) -> ApiError | None:
        failure = self.failures.get(method.lower())
        if failure is None:
            return None
        if failure.remaining is not None:
            failure.remaining -= 1
            if failure.remaining <= 0:
                del self.failures[method.lower()]
        return failure.error

    async def _not_found(self, request: web.Request) -> web.Response:
        return _respond(NOT_FOUND.to_json(), 404)

    async def _bot_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        entry = METHODS.get(name.lower())
        method = entry[0] if entry else name
        raw: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self.world.token:
                raise UNAUTHORIZED
            raw = await read_params(request)
        except ApiError as exc:
            self.world.record_call(call := Call(method, raw))
            self.world.finish_call(call, error=exc)
            return _respond(exc.to_json(), exc.code)
        except Exception as exc:
            self.world.record_call(call := Call(method, raw))
            return self._internal_error(call, exc)
        call = Call(method, raw)
        self.world.record_call(call)
        try:
            result = await self._dispatch(method, entry, raw)
        except ApiError as exc:
            self.world.finish_call(call, error=exc)
            return _respond(exc.to_json(), exc.code)
        except asyncio.CancelledError:  # the client hung up; nothing was handed out
            self.world.finish_call(call, error=ApiError(499, "client closed the connection"))
            raise
        except Exception as exc:
            return self._internal_error(call, exc)
        self.world.finish_call(call, result)
        return _respond({"ok": True, "result": result}, 200)

    def _internal_error(self, call: Call, exc: Exception) -> web.Response:
        """A sandbox bug: answer like Telegram would, and keep it visible to the test."""
        log.error("sandbox failed on %s", call.method, exc_info=exc)
        self.internal_errors.append(exc)
        self.world.finish_call(call, error=ApiError(500, repr(exc)))
        return _respond(
            {"ok": False, "error_code": 500, "description": "Internal Server Error"}, 500
        )

    async def _dispatch(
        self, method: str, entry: tuple[str, Handler] | None, raw: dict[str, Any]
    ) -> Any:
        if entry is None:
            raise NOT_FOUND
        error = self._take_failure(method)
        if error is not None:
            raise error
        fault = self.faults.draw(method) if self.faults else None
        if fault == "500":
            raise ApiError(500, "Internal Server Error")
        if fault == "502":
            raise ApiError(502, "Bad Gateway")
        if fault == "429":
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        retry = self.flood.check(method, raw.get("chat_id"))
        if retry is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        result = await entry[1](self.world, Params(raw))
        if fault == "timeout" and self.faults is not None:
            await asyncio.sleep(self.faults.hang)
        return result


def _respond(body: dict[str, Any], status: int) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )
