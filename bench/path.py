"""Which of our modules a press on "I'll do it" runs through, from arrival to the card's edit.

The real bot against the sandbox: Anna, who has a DM with the bot, asks in a
neighbourhood chat; Piet presses "Ik help" on her card. Every Python call made
from the moment the press is put in the sandbox's update queue until the card
shows Piet is recorded with `sys.setprofile`, and its file mapped to a module of
ours (`bot/`, `handlers/`, `models/`, `transports/`). Also counted: how often the
place was looked up (the functions that answer "which neighbourhood or group is
this chat?"), and which modules on the path import `telegram`.

`python -m bench.path` prints the list. The same file runs on an older checkout
(copy it there) to give the figure before a change.
"""

from __future__ import annotations

import ast
import asyncio
import sys
import tempfile
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from bot.config import Config
from sandbox import Sandbox
from tests.e2e.groups_world import neighbourhood
from transports.telegram.app import running

ROOT = Path(__file__).resolve().parent.parent
OURS = ("bot", "handlers", "models", "transports")
#: The functions, old and new, that work out where a chat belongs.
PLACE_LOOKUPS = {
    ("bot/here.py", "resolve"),
    ("models/neighbourhoods.py", "find_active"),
    ("models/groups.py", "active_in_chat"),
}
TOKEN = "123456:PATH"


def _module(filename: str) -> str | None:
    path = Path(filename)
    try:
        relative = path.resolve().relative_to(ROOT)
    except ValueError:
        return None
    return relative.as_posix() if relative.parts[0] in OURS else None


def _imports_telegram(module: str) -> bool:
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "telegram" for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "telegram":
            return True
    return False


class Recorder:
    def __init__(self) -> None:
        self.order: dict[str, None] = {}
        self.lookups: Counter[str] = Counter()
        self._started: set[int] = set()

    def __call__(self, frame: FrameType, event: str, _: Any) -> None:
        if event != "call":
            return
        module = _module(frame.f_code.co_filename)
        if module is None:
            return
        self.order.setdefault(module, None)
        if (module, frame.f_code.co_name) in PLACE_LOOKUPS and id(frame) not in self._started:
            # A coroutine is "called" again at each resumption: its frame counts once.
            self._started.add(id(frame))
            self.lookups[f"{module}:{frame.f_code.co_name}"] += 1


async def measure() -> Recorder:
    with tempfile.TemporaryDirectory() as directory:
        async with Sandbox(token=TOKEN, bot_username="buurtbot_path") as sb:
            anna = sb.add_user("Anna", language_code="nl", username="anna")
            piet = sb.add_user("Piet", language_code="nl")
            config = Config.model_validate(
                {
                    "telegram": {"token": TOKEN, "base_url": sb.base_url},
                    "database": {"url": f"sqlite+aiosqlite:///{directory}/path.db"},
                    "scheduler": {"interval_seconds": 86400},
                }
            )
            async with running(config, poll_timeout=1) as app:
                street = await neighbourhood(sb, anna, piet)
                await anna.start()
                await anna.dm.next_bot_message()
                await anna.send(street.chat, "/ask boodschappen")
                card = await street.chat.next_bot_message()
                await asyncio.sleep(2)  # the sweeps and bookkeeping of the ask are over
                recorder = Recorder()
                sys.setprofile(recorder)
                try:
                    await piet.press(card, "Ik help")
                    for _ in range(500):
                        if "Piet" in card.text:
                            break
                        await asyncio.sleep(0.01)
                finally:
                    sys.setprofile(None)
                assert "Piet" in card.text, "the card was not edited"
                del app
    return recorder


def main() -> None:
    recorder = asyncio.run(measure())
    modules = list(recorder.order)
    aware = [m for m in modules if _imports_telegram(m)]
    for n, module in enumerate(modules, start=1):
        print(f"{n:2}. {module}{'  (imports telegram)' if module in aware else ''}")
    print(f"modules: {len(modules)}, of which import telegram: {len(aware)}")
    lookups = sum(recorder.lookups.values())
    print(f"place lookups: {lookups} ({dict(recorder.lookups)})")


if __name__ == "__main__":
    main()
