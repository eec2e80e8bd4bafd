"""The bot's one settings object, read from the environment or a `.env` file.

Built once at start-up (see `bot.cli`) and passed down; nothing reads the environment at
import time. `.env` is read from the working directory (the usual pydantic-settings rule)
and, in a checkout, also from the project folder; the working directory's wins, and the
environment beats both. Each command validates only the settings it reads (`load_settings`).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import urllib.parse
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.storage.url import async_database_url, redact_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "kuril-brief"
#: Discord ids ("snowflakes") issued since 2015 have 17 to 20 digits and fit in 64 bits.
SNOWFLAKE_DIGITS = range(17, 21)
_HOST_NAME = re.compile(r"(?!-)[\w-]{1,63}(?<!-)(\.(?!-)[\w-]{1,63}(?<!-))*\.?", re.ASCII)


def is_checkout() -> bool:
    """True when running from a source folder (plain or editable), not an installed wheel."""
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "bot").is_dir()


def default_seeds_dir() -> Path:
    """Seeds sit at the project root in a checkout and inside `knowledge/` in a built wheel."""
    packaged = PROJECT_ROOT / "knowledge" / "seeds"
    return packaged if packaged.is_dir() else PROJECT_ROOT / "seeds"


def default_data_dir() -> Path:
    """`data/` in a checkout; the user's data directory when installed (never site-packages)."""
    if is_checkout():
        return PROJECT_ROOT / "data"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def env_files() -> tuple[Path, ...]:
    """`.env` files in increasing priority: the checkout's, then the working directory's."""
    files = [Path(".env")]
    if is_checkout():
        files.insert(0, PROJECT_ROOT / ".env")
    return tuple(files)


class Settings(BaseSettings):
    """PRODUCT.md's settings table, plus a few knobs with safe defaults.

    Field descriptions are what `kuril-brief COMMAND --help` shows beside each setting.
    """

    model_config = SettingsConfigDict(
        env_file=env_files(), env_file_encoding="utf-8", extra="ignore"
    )

    discord_token: SecretStr | None = Field(
        default=None, description="the bot token (Developer Portal, Bot page)"
    )
    discord_api_base: str = Field(
        default="https://discord.com/api/v10",
        description="Discord's REST base URL, for a rate-limit proxy or test stand-in",
    )
    discord_application_id: int | None = Field(
        default=None,
        description="the application id, when the token's first part does not give it",
    )
    database_url: str | None = Field(
        default=None,
        description="sqlite:///FILE (relative to the data dir) or postgresql://USER@HOST/DB; "
        "default: kuril-brief.db in the data dir",
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_format: Literal["text", "json"] = Field(
        default="text", description="text, or json for one JSON object per line"
    )
    discord_dev_guild_id: int | None = Field(
        default=None, description="register the slash commands in this one server (testing)"
    )
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="serve /metrics and /healthz on this port"
    )
    metrics_host: str = Field(default="127.0.0.1", description="address the metrics port binds to")
    kuril_data_dir: Path = Field(
        default_factory=default_data_dir,
        description="where the SQLite file, the console history and the question model cache live",
    )
    kuril_seeds_dir: Path = Field(
        default_factory=default_seeds_dir, description="where the source articles live"
    )
    briefing_grace_minutes: int = Field(
        default=120, ge=0, description="how late a missed briefing may still be sent"
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if not isinstance(logging.getLevelName(level), int):
            raise ValueError("not a logging level; use DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        """Refuse an unsupported or malformed URL at start-up, not at the first query."""
        if value is not None:
            value = value.strip()
            async_database_url(value, Path("/"))  # raises ValueError with the reason
        return value

    @field_validator("discord_api_base")
    @classmethod
    def _http_api_base(cls, value: str) -> str:
        """An http(s) URL ending in the API version, so a typo is a settings error, not a
        confusing failure at login."""
        value = value.strip().rstrip("/")
        example = "write it like https://discord.com/api/v10"
        try:
            parts = urllib.parse.urlsplit(value)
            port = parts.port
        except ValueError:
            raise ValueError(f"not a valid URL (a bad port or [IPv6] host); {example}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http:// or https:// URL; {example}")
        if port == 0:
            raise ValueError("the port must be a number from 1 to 65535")
        if not _is_host(parts.hostname):
            raise ValueError(f"{parts.hostname!r} is not a host name or IP address")
        if parts.username is not None or parts.password is not None:
            raise ValueError("it must not hold a user name or password (the bot sends its token)")
        if parts.query or parts.fragment:
            raise ValueError(f"it takes no ?query or #fragment; {example}")
        if not re.search(r"/v\d+$", parts.path):
            raise ValueError(f"it must end with the API version; {example}")
        return value

    @field_validator("discord_application_id", "discord_dev_guild_id")
    @classmethod
    def _snowflake(cls, value: int | None) -> int | None:
        """Discord ids only: `-5` or `12` would make a broken invite or sync target."""
        if value is not None and not (len(str(value)) in SNOWFLAKE_DIGITS and value < 2**64):
            raise ValueError("not a Discord id (a number of 17 to 20 digits)")
        return value

    @field_validator("metrics_host")
    @classmethod
    def _host(cls, value: str) -> str:
        value = value.strip()
        if not _is_host(value):
            raise ValueError("not a host name or IP address (such as 127.0.0.1 or 0.0.0.0)")
        return value

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, values: Any) -> Any:
        """`DISCORD_TOKEN=` (as in `.env.example`) means "not set": the default applies."""
        if isinstance(values, dict):
            return {k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())}
        return values

    @property
    def resolved_database_url(self) -> str:
        """The URL storage connects to; the default is an absolute SQLite path in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.kuril_data_dir / 'kuril-brief.db').resolve()}"

    @classmethod
    def setting_names(cls) -> list[str]:
        """Every setting as it is spelled in the environment."""
        return [name.upper() for name in cls.model_fields]


class SettingsError(Exception):
    """Settings a command reads are invalid; one plain line per problem."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def load_settings(reads: Collection[str], **overrides: Any) -> Settings:
    """The settings, validating only those named in `reads` (environment spelling).

    A bad value in a setting the command never reads is not its business: it is replaced by
    the default, so `DATABASE_URL=garbage kuril-brief ask hi` still answers.
    """
    wanted = {name.lower() for name in reads}
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    relevant = [error for error in errors if _field_of(error) in wanted]
    if relevant:
        raise SettingsError([_describe(error) for error in relevant]) from None
    defaults = {
        name: Settings.model_fields[name].get_default(call_default_factory=True)
        for name in {_field_of(error) for error in errors}
    }
    return Settings(**{**defaults, **overrides})


def _is_host(value: str) -> bool:
    """An IP address or a syntactically valid host name (whether it resolves is not checked)."""
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return len(value) <= 253 and _HOST_NAME.fullmatch(value) is not None
    return True


def _field_of(error: Any) -> str:
    return str(error["loc"][0]) if error["loc"] else ""


def _describe(error: Any) -> str:
    """`Invalid setting NAME=value: reason.` without pydantic's "Value error," wording and
    with secrets and database passwords hidden."""
    field = _field_of(error)
    name = field.upper()
    reason = str(error["ctx"]["error"]) if "error" in error.get("ctx", {}) else error["msg"]
    reason = reason[:1].lower() + reason[1:]
    value = error.get("input")
    if field == "discord_token":
        shown = "***"
    elif field in ("database_url", "discord_api_base") and isinstance(value, str):
        shown = redact_url(value)
    else:
        shown = str(value)
    end = "" if reason.endswith(".") else "."
    return f"Invalid setting {name}={shown}: {reason}{end} Fix it in the environment or .env."
