"""A profile of plain group messages and DM commands, to compare two checkouts.

`python -m bench.mix_profile OUT.prof` runs the real bot against the sandbox:
150 plain messages in a neighbourhood chat and 150 `/help`s in ten residents'
DMs, under cProfile. Read the file with `pstats`; copied into an older checkout,
the same file gives the other side of a comparison.
"""

from __future__ import annotations

import asyncio
import cProfile
import sys
import tempfile

from bot.config import Config
from sandbox import Sandbox
from tests.e2e.groups_world import neighbourhood

try:
    from transports.telegram.app import running
except ImportError:  # a checkout from before the Telegram transport had its package
    from bot.app import running  # type: ignore[no-redef]

TOKEN = "1:PROFILE"
ROUNDS = 150
PEOPLE = 10  # each stays under the brake's 20 commands a minute


async def profile(out: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        async with Sandbox(token=TOKEN, bot_username="profile_bot") as sb:
            anna = sb.add_user("Anna", language_code="nl", username="anna")
            piet = sb.add_user("Piet", language_code="nl")
            config = Config.model_validate(
                {
                    "telegram": {
                        "token": TOKEN,
                        "base_url": sb.base_url,
                        "messages_per_second": 10_000,
                    },
                    "database": {"url": f"sqlite+aiosqlite:///{directory}/profile.db"},
                    "scheduler": {"interval_seconds": 86400},
                }
            )
            async with running(config, poll_timeout=1):
                street = await neighbourhood(sb, anna, piet)
                folk = [sb.add_user(f"P{n}", language_code="nl") for n in range(PEOPLE)]
                for person in folk:
                    await person.start()
                    await person.dm.next_bot_message()
                profiler = cProfile.Profile()
                profiler.enable()
                for n in range(ROUNDS):
                    await piet.send(street.chat, f"hallo {n}")
                    await folk[n % PEOPLE].send(folk[n % PEOPLE].dm, "/help")
                for n in range(ROUNDS):
                    await folk[n % PEOPLE].dm.next_bot_message(timeout=30)
                profiler.disable()
                profiler.dump_stats(out)


if __name__ == "__main__":
    asyncio.run(profile(sys.argv[1] if len(sys.argv) > 1 else "mix.prof"))
