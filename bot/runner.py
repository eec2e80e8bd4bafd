"""Running the bot for real: `kuril-brief run` and `kuril-brief sync`.

SIGTERM and SIGINT close the bot cleanly: it stops taking work, closes the gateway, and
closes storage (the scheduler too, once it exists) before the process exits.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.client import KurilBriefBot
from bot.settings import Settings
from commands.context import Services

log = logging.getLogger(__name__)


def _token(settings: Settings) -> str:
    if settings.discord_token is None:
        raise RuntimeError("DISCORD_TOKEN is required")
    return settings.discord_token.get_secret_value()


async def serve(settings: Settings, services: Services) -> None:
    bot = KurilBriefBot(settings, services)
    loop = asyncio.get_running_loop()
    closing: set[asyncio.Task[None]] = set()

    def shut_down(name: str) -> None:
        log.info("%s received: shutting down", name)
        task = loop.create_task(bot.close())
        closing.add(task)
        task.add_done_callback(closing.discard)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, shut_down, sig.name)
    try:
        async with bot:
            await bot.start(_token(settings))
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def sync(settings: Settings, services: Services) -> None:
    """Log in over REST only (no gateway) and register the commands now."""
    bot = KurilBriefBot(settings, services, sync_on_start=False)
    async with bot:
        await bot.login(_token(settings))
        await bot.sync_commands(force=True)
