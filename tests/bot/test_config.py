"""Configuration: a wrong value is one clear line and exit status 2, never a traceback."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

GOOD = '[telegram]\ntoken = "1:abc"\n'

BAD = {
    "missing token": (
        "[telegram]\nmode = 'polling'\n",
        "telegram.token",
        "BUURTBOT_TELEGRAM_TOKEN",
    ),
    "no telegram section": (
        "[database]\nurl = 'sqlite+aiosqlite:///x.db'\n",
        "telegram.token",
        "BUURTBOT_TELEGRAM_TOKEN",
    ),
    "unknown key": (GOOD + "tokn = 'x'\n", "telegram.tokn", "spelling"),
    "unknown section": (GOOD + "[databse]\nurl = 'x'\n", "databse", "spelling"),
    "wrong type": (GOOD + "[facilitators]\nuser_ids = 'anna'\n", "facilitators.user_ids", "list"),
    "wrong type nested": (
        GOOD + "[telegram.webhook]\nport = 'eighty'\n",
        "telegram.webhook.port",
        "integer",
    ),
    "bad timezone": (
        GOOD + "[defaults]\ntimezone = 'Europe/Amsterdm'\n",
        "defaults.timezone",
        "Europe/Amsterdam",
    ),
    "bad language": (GOOD + "[defaults]\nlanguage = 'fr'\n", "defaults.language", "'nl' or 'en'"),
    "bad mode": (
        '[telegram]\ntoken = "1:a"\nmode = "push"\n',
        "telegram.mode",
        "'polling' or 'webhook'",
    ),
    "webhook without url": (
        '[telegram]\ntoken = "1:a"\nmode = "webhook"\n',
        "telegram.webhook.url",
        "webhook",
    ),
    "webhook without secret": (
        '[telegram]\ntoken = "1:a"\nmode = "webhook"\n'
        '[telegram.webhook]\nurl = "https://bot.example.org/hook"\n',
        "webhook.secret_token",
        "BUURTBOT_WEBHOOK_SECRET_TOKEN",
    ),
    "no commands at all": (
        GOOD + "[limits]\ncommands_per_minute = 0\n",
        "limits.commands_per_minute",
        "greater than or equal to 1",
    ),
    "less than a message a second": (
        '[telegram]\ntoken = "1:a"\nmessages_per_second = 0.5\n',
        "telegram.messages_per_second",
        "greater than or equal to 1",
    ),
    "not toml": ("[telegram\ntoken = 1", "not valid TOML", "line 1"),
}


def _write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_names_the_key(tmp_path: Path, case: str):
    content, key, hint = BAD[case]
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, content), environ={})
    message = str(caught.value)
    assert key in message and hint in message
    assert "\n" not in message


def test_token_from_environment_wins(tmp_path: Path):
    path = _write(tmp_path, GOOD)
    config = load_config(path, environ={"BUURTBOT_TELEGRAM_TOKEN": "2:env"})
    assert config.telegram_settings().token.get_secret_value() == "2:env"
    assert "2:env" not in repr(config)  # secrets never show up in logs or tracebacks


def test_environment_alone_is_enough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)  # no ./config.toml here
    config = load_config(environ={"BUURTBOT_TELEGRAM_TOKEN": "3:env"})
    assert config.database.url == "sqlite+aiosqlite:///buurtbot.db"
    assert config.defaults.language == "nl"
    assert config.defaults.timezone == "Europe/Amsterdam"


def test_file_is_found_through_buurtbot_config(tmp_path: Path):
    path = _write(tmp_path, GOOD + "[facilitators]\nuser_ids = [42]\n")
    config = load_config(environ={"BUURTBOT_CONFIG": str(path)})
    assert config.is_facilitator(42) and not config.is_facilitator(43)


def test_explicit_missing_file_is_an_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", environ={})


def test_example_config_is_valid():
    example = Path(__file__).parents[2] / "config.example.toml"
    config = load_config(example, environ={})
    assert config.telegram_settings().mode == "polling"


@pytest.mark.parametrize("case", ["missing token", "unknown key", "bad timezone", "wrong type"])
def test_cli_prints_one_line_and_exits_2(tmp_path: Path, case: str):
    path = _write(tmp_path, BAD[case][0])
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert BAD[case][1] in lines[0]
    assert "Traceback" not in result.stderr


def test_logs_never_show_secrets(caplog: pytest.LogCaptureFixture):
    from bot.cli import Redact

    logger = logging.getLogger("test.redact")
    logger.addFilter(Redact("123:SECRET", "hook-secret"))
    with caplog.at_level(logging.DEBUG, logger="test.redact"):
        logger.debug("URL: https://api.telegram.org/bot%s/getMe", "123:SECRET")
        try:
            raise RuntimeError("failed for https://api.telegram.org/bot123:SECRET/x hook-secret")
        except RuntimeError:
            logger.exception("oops")
    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "SECRET" not in text and "hook-secret" not in text
    assert "<redacted>" in text
