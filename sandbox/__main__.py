"""Run the sandbox by hand: ``python -m sandbox --port 8081 --token 123456:ABC``.

Point the bot at the printed base URL and act as people through ``/_world/`` (see
:mod:`sandbox.worldapi`). Stops on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from sandbox.core import Sandbox


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--bot-username", default="buurtbot_test")
    parser.add_argument("--flood-control", action="store_true")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    sandbox = Sandbox(
        args.token,
        bot_username=args.bot_username,
        host=args.host,
        port=args.port,
        flood_control=args.flood_control,
    )
    async with sandbox:
        print(f"base_url: {sandbox.base_url}", flush=True)
        print(f"world API: {sandbox.url}/_world/", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
