"""A running Kuril Brief bot on the loopback stand-in, as a fixture for end-to-end tests.

Loaded for every test through `pytest_plugins` in `tests/conftest.py`.
"""

from __future__ import annotations

import datetime as dt
import time
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


class Clock:
    """A clock that runs at real speed from a chosen instant and can be moved.

    `Clock(start)()` is `start` plus the real time elapsed since; `jump(delta)` moves it
    (e.g. over a slot while the bot is down). Pass it to `start_bot(clock=...)`.
    """

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._start = start
        self._began = time.monotonic()

    def __call__(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._began)

    def jump(self, delta: dt.timedelta) -> None:
        self._start += delta

    def set(self, when: dt.datetime) -> None:
        self._start, self._began = when, time.monotonic()


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
    """`await start_bot()` runs a KurilBriefBot on the stand-in until it is ready.

    Every bot started in one test shares one data directory (so a second `start_bot()` is a
    restart); `clock=` gives the bot's scheduler a clock (see `tests.bot.running_bot.Clock`).
    """

    async def start(
        *, clock: Callable[[], dt.datetime] | None = None, **overrides: Any
    ) -> KurilBriefBot:
        settings = bot_settings(standin, tmp_path / "data", **overrides)
        bot = KurilBriefBot(settings, Services(kb=kb), clock=clock, guild_ready_timeout=0.05)
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
