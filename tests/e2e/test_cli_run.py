"""`buurtbot run` as a real process: it migrates, answers, and stops cleanly on a signal."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from pathlib import Path

import httpx
import pytest

from sandbox import Sandbox
from tests.e2e.conftest import TOKEN, People, buurtbot_process


def _config(sb: Sandbox, tmp_path: Path, level: str = "INFO") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\nbase_url = "{sb.base_url}"\n'
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"\n'
        f'[logging]\nlevel = "{level}"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(("stop", "level"), [(signal.SIGTERM, "DEBUG"), (signal.SIGINT, "INFO")])
async def test_run_answers_and_stops_gracefully(
    sb: Sandbox, people: People, tmp_path: Path, stop: signal.Signals, level: str
):
    log = tmp_path / "bot.log"
    with log.open("wb") as output:
        process = await buurtbot_process(
            "run",
            "--config",
            str(_config(sb, tmp_path, level)),
            stdout=output,
            stderr=output,
        )
        try:
            await sb.wait_for_call("getUpdates", timeout=30)
            await people.anna.start()
            assert "Hoi Anna" in (await people.anna.dm.next_bot_message(timeout=10)).text
            street = sb.add_group("Kerklaan", members=[people.anna], admins=[people.anna])
            await street.add_bot(by=people.anna)
            await people.anna.send(street, "/setup")
            await street.next_bot_message(timeout=10)
            await people.anna.send(street, "/ask boodschappen voor mevrouw Geheim")
            await street.next_bot_message(timeout=10)
            process.send_signal(stop)
            assert await asyncio.wait_for(process.wait(), timeout=20) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    output_text = log.read_text()
    assert "Traceback" not in output_text
    assert TOKEN.split(":")[1] not in output_text  # the token never reaches the logs, at any level
    if level == "INFO":  # no personal data at INFO: names, request texts
        for private in ("Anna", "Geheim", "boodschappen"):
            assert private not in output_text
    assert (tmp_path / "bot.db").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_serves_updates_with_the_secret(tmp_path: Path):
    async with Sandbox(TOKEN, bot_username="buurtbot_test", http_webhooks=True) as sb:
        anna = sb.add_user("Anna", language_code="nl")
        port = _free_port()
        config = _config(sb, tmp_path)
        config.write_text(
            config.read_text()
            + f'[telegram.webhook]\nlisten = "127.0.0.1"\nport = {port}\n'
            + f'url = "http://127.0.0.1:{port}/telegram"\n',
            encoding="utf-8",
        )
        config.write_text(
            config.read_text().replace("[telegram]\n", '[telegram]\nmode = "webhook"\n')
        )
        log = tmp_path / "bot.log"
        with log.open("wb") as output:
            process = await buurtbot_process(
                "run",
                "--config",
                str(config),
                stdout=output,
                stderr=output,
                extra_env={"BUURTBOT_WEBHOOK_SECRET_TOKEN": "geheim-123"},
            )
            try:
                registered = await sb.wait_for_call("setWebhook", timeout=30)
                assert registered.params["secret_token"] == "geheim-123"
                await anna.start()
                assert "Hoi Anna" in (await anna.dm.next_bot_message(timeout=10)).text
                async with httpx.AsyncClient() as client:  # a forged update without the secret
                    forged = await client.post(
                        f"http://127.0.0.1:{port}/telegram", json={"update_id": 999}
                    )
                    assert forged.status_code == 403
                process.send_signal(signal.SIGTERM)
                assert await asyncio.wait_for(process.wait(), timeout=20) == 0
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
        assert "Traceback" not in log.read_text()


async def _check(
    config: Path, token: str, *, config_first: bool = False, cwd: Path | None = None
) -> tuple[int, str]:
    args = (
        ("--config", str(config), "check") if config_first else ("check", "--config", str(config))
    )
    process = await buurtbot_process(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        token=token,
        cwd=cwd,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_check_reports_each_problem_and_passes_when_all_is_well(sb: Sandbox, tmp_path: Path):
    config = _config(sb, tmp_path)
    code, report = await _check(config, TOKEN)
    assert code == 1
    assert "FAIL  database file" in report and "buurtbot db upgrade" in report
    assert "@buurtbot_test" in report
    assert not (tmp_path / "bot.db").exists()  # checking creates nothing

    migrate = await buurtbot_process(
        "db",
        "upgrade",
        "--config",
        str(config),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert await asyncio.wait_for(migrate.wait(), timeout=60) == 0
    code, report = await _check(config, TOKEN)
    assert code == 0, report
    assert "FAIL" not in report

    code, report = await _check(config, "123456:WRONG")
    assert code == 1
    assert "FAIL  Telegram" in report and "WRONG" not in report


@pytest.mark.parametrize("config_first", [True, False])
async def test_check_reads_the_config_before_or_after_the_command(
    sb: Sandbox, tmp_path: Path, config_first: bool
):
    elsewhere = tmp_path / "elsewhere"  # no config.toml here to fall back on
    elsewhere.mkdir()
    _, report = await _check(_config(sb, tmp_path), TOKEN, config_first=config_first, cwd=elsewhere)
    assert f"{tmp_path / 'bot.db'}" in report  # the database the file names
    assert "@buurtbot_test" in report  # reached through the file's base_url
    assert not (elsewhere / "buurtbot.db").exists()


async def test_run_without_a_config_names_the_file_to_create(tmp_path: Path):
    process = await buurtbot_process(
        "run",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        token="",
        cwd=tmp_path,
    )
    output, errors = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert output == b""
    assert errors.decode().strip() == (
        "buurtbot: config error: config file ./config.toml does not exist: create it from "
        "config.example.toml (or name another file with --config or BUURTBOT_CONFIG)"
    )


async def _run_until_exit(config: Path, token: str) -> tuple[int, str]:
    process = await buurtbot_process(
        "run",
        "--config",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        token=token,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_run_stops_with_a_clear_message_for_a_wrong_token(sb: Sandbox, tmp_path: Path):
    code, output = await _run_until_exit(_config(sb, tmp_path), "123456:WRONG")
    assert code == 1
    assert output.strip().splitlines()[-1].startswith("buurtbot: Telegram rejected the token")
    assert "WRONG" not in output


async def test_run_stops_with_a_clear_message_without_a_database(sb: Sandbox, tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{sb.base_url}"\n'
        '[database]\nurl = "postgresql+asyncpg://nobody@127.0.0.1:9/none"\n',
        encoding="utf-8",
    )
    code, output = await _run_until_exit(config, TOKEN)
    assert code == 1
    assert "database" in output and "cannot be reached" in output and "Traceback" not in output


async def test_a_second_instance_with_the_same_token_is_explained(
    sb: Sandbox, people: People, tmp_path: Path
):
    processes = []
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        processes.append(
            await buurtbot_process(
                "run",
                "--config",
                str(_config(sb, folder)),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
        )
        await sb.wait_polling(timeout=30)
    first, second = processes
    try:
        # The newer poll wins at Telegram: the first process is told 409 and explains.
        first_output, _ = await asyncio.wait_for(first.communicate(), timeout=60)
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        await second.communicate()
    assert first.returncode == 1
    assert "another bot process is using this token" in first_output.decode()
