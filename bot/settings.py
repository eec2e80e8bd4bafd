"""The bot's one settings object, read from the environment or a `.env` file.

Built once at start-up (see `bot.cli`) and passed down; nothing reads the environment at
import time, and the `.env` file is looked up beside the project, not in the working directory.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.storage.url import async_database_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_seeds_dir() -> Path:
    """Seeds sit at the project root in a checkout and inside `knowledge/` in a built wheel."""
    packaged = PROJECT_ROOT / "knowledge" / "seeds"
    return packaged if packaged.is_dir() else PROJECT_ROOT / "seeds"


def default_data_dir() -> Path:
    """Where the SQLite file and sync state live unless `KURIL_DATA_DIR` says otherwise."""
    return PROJECT_ROOT / "data"


class Settings(BaseSettings):
    """PRODUCT.md's settings table, plus a few knobs with safe defaults."""

    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    discord_token: SecretStr | None = Field(default=None, description="The bot token.")
    discord_api_base: str = Field(
        default="https://discord.com/api/v10",
        description="REST base URL including the API version.",
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy-style URL; a SQLite file in the data dir if unset."
    )
    log_level: str = Field(default="INFO", description="Logging level name.")
    discord_dev_guild_id: int | None = Field(
        default=None, description="Sync commands to this one guild while developing."
    )
    kuril_data_dir: Path = Field(default_factory=default_data_dir)
    kuril_seeds_dir: Path = Field(default_factory=default_seeds_dir)
    briefing_grace_minutes: int = Field(
        default=120, ge=0, description="How late a missed briefing may still be sent."
    )
    metrics_port: int | None = Field(
        default=None, ge=0, le=65535, description="Serve /metrics and /healthz here; off if unset."
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="Address the metrics port binds to (0.0.0.0 in a container).",
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if not isinstance(logging.getLevelName(level), int):
            raise ValueError(f"unknown log level {value!r}")
        return level

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        """Refuse an unsupported or malformed URL at start-up, not at the first query."""
        if value is not None:
            async_database_url(value, Path("/"))  # raises ValueError with the reason
        return value

    @field_validator("discord_api_base")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("discord_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def resolved_database_url(self) -> str:
        """The URL storage connects to; the default is an absolute SQLite path in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.kuril_data_dir / 'kuril-brief.db').resolve()}"
