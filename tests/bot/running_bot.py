"""A running Kuril Brief bot on the loopback stand-in, as a fixture for end-to-end tests.

Loaded for every test through `pytest_plugins` in `tests/conftest.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.client import KurilBriefBot
from bot.settings import Settings
from commands.context import Services
from knowledge.base import KnowledgeBase
from tests.standin.server import DiscordStandin

StartBot = Callable[..., Awaitable[KurilBriefBot]]


def bot_settings(standin: DiscordStandin, data_dir: Path, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=standin.token,
        discord_api_base=standin.api_base,
        kuril_data_dir=data_dir,
        **overrides,
    )


@pytest.fixture
async def start_bot(
    standin: DiscordStandin, run_client: Any, kb: KnowledgeBase, tmp_path: Path
) -> AsyncIterator[StartBot]:
    """`await start_bot()` runs a KurilBriefBot on the stand-in until it is ready."""

    async def start(**overrides: Any) -> KurilBriefBot:
        settings = bot_settings(standin, tmp_path / "data", **overrides)
        bot = KurilBriefBot(settings, Services(kb=kb), guild_ready_timeout=0.05)
        await run_client(bot)
        return bot

    yield start


def embed_text(message: dict[str, Any]) -> str:
    """Everything a user reads in a message: content, titles, descriptions, fields, footers."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{field['name']}\n{field['value']}" for field in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)
