"""Typed configuration: one TOML file plus secrets from the environment.

A deployment is configured by people who are not Python developers, so every
mistake must come back as one line that names the key and says how to fix it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

DEFAULT_PATH = Path("config.toml")
TELEGRAM_API = "https://api.telegram.org/bot"

#: Environment variables that override (or supply) a key, so secrets need not sit in a file.
ENVIRONMENT = {
    "BUURTBOT_TELEGRAM_TOKEN": ("telegram", "token"),
    "BUURTBOT_TELEGRAM_BASE_URL": ("telegram", "base_url"),
    "BUURTBOT_WEBHOOK_SECRET_TOKEN": ("telegram", "webhook", "secret_token"),
    "BUURTBOT_DATABASE_URL": ("database", "url"),
}


def _valid_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r}; use an IANA name such as 'Europe/Amsterdam'"
        ) from None
    return name


Timezone = Annotated[str, AfterValidator(_valid_timezone)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookConfig(_Section):
    listen: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    url: str | None = None
    secret_token: SecretStr | None = None


class TelegramConfig(_Section):
    token: SecretStr
    base_url: str = TELEGRAM_API
    mode: Literal["polling", "webhook"] = "polling"
    webhook: WebhookConfig = WebhookConfig()
    #: Telegram takes 30 messages a second from a bot; no second of ours holds more than this.
    messages_per_second: float = Field(29, ge=1, le=10_000)

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> TelegramConfig:
        if self.mode == "webhook" and not self.webhook.url:
            raise PydanticCustomError("webhook_url", "webhook mode needs webhook.url")
        if self.mode == "webhook" and not self.webhook.secret_token:
            # Without it anyone who finds the URL could post updates in residents' names.
            raise PydanticCustomError(
                "webhook_secret",
                "webhook mode needs webhook.secret_token (or BUURTBOT_WEBHOOK_SECRET_TOKEN)",
            )
        return self


class DatabaseConfig(_Section):
    url: str = "sqlite+aiosqlite:///buurtbot.db"
    migrate_on_start: bool = True


class FacilitatorsConfig(_Section):
    user_ids: list[int] = []


class DefaultsConfig(_Section):
    language: Literal["nl", "en"] = "nl"
    timezone: Timezone = "Europe/Amsterdam"


class GroupsConfig(_Section):
    max_per_resident: int = Field(5, ge=1, le=100)
    payload_wait_seconds: float = Field(5.0, ge=0, le=600)


class RequestsConfig(_Section):
    max_open_per_resident: int = Field(10, ge=1, le=1000)


class LimitsConfig(_Section):
    #: Commands and button presses per person per minute; more get one "slow down".
    commands_per_minute: int = Field(20, ge=1, le=10_000)


class SchedulerConfig(_Section):
    interval_seconds: float = Field(300, gt=0, le=86400)
    retention_days: int = Field(90, ge=1, le=3650)


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Config(_Section):
    #: A messenger's section may be left out: the shell runs with none (bot/app.py), and
    #: `load_config` asks for the one messenger there is today.
    telegram: TelegramConfig | None = None
    database: DatabaseConfig = DatabaseConfig()
    facilitators: FacilitatorsConfig = FacilitatorsConfig()
    defaults: DefaultsConfig = DefaultsConfig()
    groups: GroupsConfig = GroupsConfig()
    requests: RequestsConfig = RequestsConfig()
    limits: LimitsConfig = LimitsConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    logging: LoggingConfig = LoggingConfig()

    def is_facilitator(self, user_id: int) -> bool:
        return user_id in self.facilitators.user_ids

    def telegram_settings(self) -> TelegramConfig:
        """The [telegram] section, for the Telegram transport; a ConfigError if left out."""
        if self.telegram is None:
            raise ConfigError(_hint("telegram", "missing", ""))
        return self.telegram


class ConfigError(Exception):
    """A configuration mistake, worded for the person who made it."""


def _hint(key: str, error_type: str, message: str) -> str:
    if error_type == "missing" and key in ("telegram", "telegram.token"):
        return (
            "telegram.token is missing: set token in the [telegram] section "
            "or the environment variable BUURTBOT_TELEGRAM_TOKEN"
        )
    if error_type == "missing":
        return f"{key} is missing: add it (see config.example.toml)"
    if error_type == "extra_forbidden":
        return f"{key} is not a known setting: check its spelling against config.example.toml"
    message = message.removeprefix("Value error, ")
    return f"{key}: {message} (see config.example.toml)"


def _describe(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "webhook_url":
        return "telegram.webhook.url is missing: webhook mode needs the public HTTPS address"
    return _hint(key, first["type"], first["msg"])


def _read_file(path: Path, explicit: bool) -> dict[str, Any]:
    if not path.exists():
        if explicit:
            raise ConfigError(
                f"config file {path} does not exist: create it from config.example.toml"
            )
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None


def _apply_environment(data: dict[str, Any], environ: dict[str, str]) -> None:
    for variable, path in ENVIRONMENT.items():
        value = environ.get(variable)
        if not value:
            continue
        section = data
        for part in path[:-1]:
            section = section.setdefault(part, {})
            if not isinstance(section, dict):
                raise ConfigError(f"{part} must be a section like [{part}], not a value")
        section[path[-1]] = value


def load_config(path: Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Load from `path`, else $BUURTBOT_CONFIG, else ./config.toml; the environment wins."""
    environ = dict(os.environ) if environ is None else environ
    explicit = path is not None or bool(environ.get("BUURTBOT_CONFIG"))
    chosen = path or Path(environ.get("BUURTBOT_CONFIG") or DEFAULT_PATH)
    data = _read_file(chosen, explicit)
    _apply_environment(data, environ)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        if not chosen.exists() and exc.errors()[0]["type"] == "missing":
            raise _no_file() from None
        raise ConfigError(_describe(exc)) from None
    if config.telegram is None:  # a bot needs a messenger; Telegram is the one there is
        raise _no_file() if not chosen.exists() else ConfigError(_hint("telegram", "missing", ""))
    return config


def _no_file() -> ConfigError:
    """Without a file, what is missing is most likely the file itself."""
    return ConfigError(
        f"config file ./{DEFAULT_PATH} does not exist: create it from "
        "config.example.toml (or name another file with --config or BUURTBOT_CONFIG)"
    )
