"""`buurtbot run` as a real process: it migrates, answers, and stops cleanly on a signal."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from sandbox import Sandbox
from tests.e2e.conftest import TOKEN, People


def _config(sb: Sandbox, tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\nbase_url = "{sb.base_url}"\n'
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
async def test_run_answers_and_stops_gracefully(
    sb: Sandbox, people: People, tmp_path: Path, stop: signal.Signals
):
    log = tmp_path / "bot.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            "--config",
            str(_config(sb, tmp_path)),
            stdout=output,
            stderr=output,
            env={"BUURTBOT_TELEGRAM_TOKEN": TOKEN, "PATH": "/usr/bin:/bin"},
        )
        try:
            await sb.wait_for_call("getUpdates", timeout=30)
            await people.anna.start()
            assert "Hoi Anna" in (await people.anna.dm.next_bot_message(timeout=10)).text
            process.send_signal(stop)
            assert await asyncio.wait_for(process.wait(), timeout=20) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    output_text = log.read_text()
    assert "Traceback" not in output_text
    assert TOKEN.split(":")[1] not in output_text  # the token never reaches the logs
    assert (tmp_path / "bot.db").exists()
